//! The parent's side of one implementation in one case: the transport's
//! pinger and its receiver processes, kept for the whole case (so set-up
//! is paid once), and [`Session::run`], one measured run.

use core::time::Duration;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{self, Child, Command as Process};
use std::time::Instant;

use super::child::{Orders, ROLE_ARG, Role};
use super::control::{self, Command, DONE, READY};
use super::sys::inheritable;
use super::transport::{Pinger, Spec, Transport};
use crate::rounds::Run;
use crate::timer::{Timer, ticks};

/// A receiver process and the parent's end of its control channel.
#[derive(Debug)]
struct Receiver {
    process: Child,
    control: UnixStream,
}

impl Receiver {
    /// Starts the bench binary as receiver `role` of `T`, handing it `fds`,
    /// and waits until it is connected.
    fn spawn<T: Transport>(role: Role, spec: &Spec, fds: Vec<OwnedFd>) -> Result<Self, String> {
        let what = format!("{} receiver ({})", T::NAME, role_name(role));
        let (control, theirs) = UnixStream::pair().map_err(|e| format!("cannot create a control socket: {e}"))?;
        let orders = Orders {
            transport: T::NAME.to_owned(),
            role,
            spec: spec.clone(),
            parent: process::id(),
            control: theirs.as_raw_fd(),
            fds: fds.iter().map(AsRawFd::as_raw_fd).collect(),
        };
        let inherited: Vec<RawFd> = orders.fds.iter().copied().chain([orders.control]).collect();
        let exe = std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
        let mut command = Process::new(exe);
        command.arg(ROLE_ARG).args(orders.to_args());
        // SAFETY: the hook runs in the forked child before `exec` and only
        // calls `fcntl` on descriptors in a vector built before the fork
        // (no allocation, async-signal-safe). Every descriptor the parent
        // creates is close-on-exec, so each child inherits exactly its own.
        unsafe {
            command.pre_exec(move || inherited.iter().try_for_each(|&fd| inheritable(fd)));
        }
        let process = command.spawn().map_err(|e| format!("cannot start the {what}: {e}"))?;
        // Our copies of the child's ends: closed, so a dead child shows as EOF.
        drop((theirs, fds));
        let mut receiver = Self { process, control };
        control::expect(&mut receiver.control, READY)
            .map_err(|e| format!("the {what} did not connect ({e}); see its error above"))?;
        Ok(receiver)
    }

    fn command(&mut self, command: Command) {
        command
            .send(&mut self.control)
            .unwrap_or_else(|e| panic!("cannot command a receiver: {e}"));
    }

    fn expect_done(&mut self) {
        control::expect(&mut self.control, DONE).unwrap_or_else(|e| panic!("a receiver did not finish its run: {e}"));
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = Command::Exit.send(&mut self.control);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.process.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Answer => "receiver 0",
        Role::Passive => "passive",
    }
}

/// Warm-up round trips before the `recorded` ones of a run.
pub fn warmup(recorded: u32) -> u32 {
    (recorded / 10).max(20)
}

/// One implementation's pinger and receivers for the length of a case.
#[derive(Debug)]
pub struct Session<T: Transport> {
    /// Dropped first: receivers disconnect before the pinger goes.
    passive: Vec<Receiver>,
    answering: Receiver,
    pinger: T::Pinger,
    token: u32,
}

impl<T: Transport> Session<T> {
    /// Sets up `T` for `spec` and starts its receivers: the passive ones
    /// first, then receiver 0, so a fan-out (served in connection order)
    /// reaches the answering receiver last.
    pub fn start(spec: &Spec) -> Result<Self, String> {
        let (mut pinger, mut fds) = T::setup(spec)?;
        if fds.len() != T::receivers(spec) {
            return Err(format!(
                "{} set up {} receivers, not {}",
                T::NAME,
                fds.len(),
                T::receivers(spec)
            ));
        }
        let answering_fds = fds.remove(0);
        let passive = fds
            .into_iter()
            .map(|fds| Receiver::spawn::<T>(Role::Passive, spec, fds))
            .collect::<Result<_, _>>()?;
        let answering = Receiver::spawn::<T>(Role::Answer, spec, answering_fds)?;
        T::finish(&mut pinger)?;
        Ok(Self {
            passive,
            answering,
            pinger,
            token: 0,
        })
    }

    /// [`Session::start`], panicking with the reason it could not.
    pub fn start_or_panic(spec: &Spec) -> Self {
        Self::start(spec).unwrap_or_else(|e| panic!("cannot set up {} for case {}: {e}", T::NAME, spec.tag))
    }

    /// One exchange: tells receiver 0 to answer `answers` pings (and the
    /// passive receivers to drain meanwhile), lets `drive` send them with
    /// the pinger, and waits until every receiver is done. [`Session::run`]
    /// is the timed ping-pong; a suite with another measurement (a stream
    /// of answers per ping, timed as a whole) drives the pinger itself.
    pub fn exchange<R>(&mut self, answers: u32, drive: impl FnOnce(&mut T::Pinger) -> R) -> R {
        for receiver in &mut self.passive {
            receiver.command(Command::Run(answers));
        }
        self.answering.command(Command::Run(answers));
        let outcome = drive(&mut self.pinger);
        self.answering.expect_done();
        for receiver in &mut self.passive {
            receiver.command(Command::Stop);
            receiver.expect_done();
        }
        outcome
    }

    /// One run: `warmup` round trips, then `round_trips` recorded ones, each
    /// recorded as half the round trip.
    pub fn run(&mut self, timer: &Timer, warmup: u32, round_trips: u32) -> Run {
        let total = warmup + round_trips;
        let mut token = self.token;
        let samples = self.exchange(total, |pinger| {
            let mut samples = Vec::with_capacity(round_trips as usize);
            for trip in 0..total {
                // Never 0: the floor's words start at 0.
                token = token.wrapping_add(1).max(1);
                let sent = ticks();
                pinger.ping(token);
                let echoed = pinger.wait_pong();
                let took = ticks() - sent;
                assert_eq!(echoed, token, "{}: the pong carries another token", T::NAME);
                if trip >= warmup {
                    samples.push(took);
                }
            }
            samples
        });
        self.token = token;
        Run::Latency(samples.into_iter().map(|ticks| timer.ns(ticks) / 2.0).collect())
    }
}
