//! The receiver processes: the bench binary started again with the hidden
//! first argument [`ROLE_ARG`]. A receiver dies with its parent, pins
//! itself to CPU 1, connects its transport, says it is ready, and then
//! obeys the control channel (see `control.rs`). Each suite names the
//! transports it runs with a [`Lookup`]; `main.rs` hands all of them to
//! [`main`].
//!
//! Receiver 0 answers pings (busy-polling or blocking, as its transport
//! does). The other receivers of a fan-out are passive: during a run they
//! drain their channel once per millisecond (sleeping in `poll` on the
//! control channel in between) and never answer, so with 2 CPUs they cost
//! the answering receiver, which shares CPU 1 with them, only a short
//! preemption per millisecond.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

use super::control::{self, Command, DONE, READY};
use super::sys::{die_with_parent, readable_within};
use super::transport::{Passive, Ponger, Spec, Transport};
use super::words::Cacheline;
use crate::pin::{CPUS, pin_or_panic};

/// The hidden first argument that makes the bench binary a receiver.
pub const ROLE_ARG: &str = "__receiver";

/// How a receiver process serves one transport: [`serve`]`::<T>`.
pub type Serve = fn(Role, &Spec, UnixStream, Vec<OwnedFd>) -> Result<(), String>;

/// A suite's receivers: how to serve the transport named `name` for
/// `spec`, if the suite has it. Transport names are unique across suites.
pub type Lookup = fn(name: &str, spec: &Spec) -> Option<Serve>;

/// How often a passive receiver drains, in milliseconds.
const PASSIVE_PERIOD_MS: i32 = 1;

/// Which end a receiver process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Receiver 0.
    Answer,
    /// Receivers 1...
    Passive,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Answer => "answer",
            Role::Passive => "passive",
        }
    }
}

/// Everything a receiver process is told on its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orders {
    /// The transport's name.
    pub transport: String,
    /// Which end.
    pub role: Role,
    /// The case.
    pub spec: Spec,
    /// The parent's process id.
    pub parent: u32,
    /// The inherited control socket.
    pub control: RawFd,
    /// The inherited descriptors of the transport.
    pub fds: Vec<RawFd>,
}

impl Orders {
    /// The arguments after [`ROLE_ARG`].
    pub fn to_args(&self) -> Vec<String> {
        let fds: Vec<String> = self.fds.iter().map(RawFd::to_string).collect();
        vec![
            self.transport.clone(),
            self.role.as_str().to_owned(),
            self.spec.payload.to_string(),
            u8::from(self.spec.read).to_string(),
            self.spec.subscribers.to_string(),
            self.spec.tag.clone(),
            self.parent.to_string(),
            self.control.to_string(),
            fds.join(","),
        ]
    }

    /// Parses what [`Orders::to_args`] wrote.
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let [transport, role, payload, read, subscribers, tag, parent, control, fds] = args else {
            return Err(format!("expected 9 arguments, got {args:?}"));
        };
        let number = |what: &str, text: &str| text.parse::<u64>().map_err(|e| format!("bad {what} {text:?}: {e}"));
        let role = match role.as_str() {
            "answer" => Role::Answer,
            "passive" => Role::Passive,
            other => return Err(format!("bad role {other:?}")),
        };
        let fds = fds
            .split(',')
            .filter(|fd| !fd.is_empty())
            .map(|fd| number("descriptor", fd).map(|fd| fd as RawFd))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            transport: transport.clone(),
            role,
            spec: Spec {
                payload: number("payload", payload)? as usize,
                read: number("variant", read)? != 0,
                subscribers: number("subscriber count", subscribers)? as usize,
                tag: tag.clone(),
            },
            parent: number("parent", parent)? as u32,
            control: number("control descriptor", control)? as RawFd,
            fds,
        })
    }
}

/// The receiver process's `main`, given the arguments after [`ROLE_ARG`]
/// and every suite's [`Lookup`] (the floor, [`Cacheline`], is shared).
pub fn main(args: &[String], suites: &[Lookup]) -> ExitCode {
    match run(args, suites) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: bench receiver: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String], suites: &[Lookup]) -> Result<(), String> {
    let orders = Orders::from_args(args)?;
    die_with_parent(orders.parent).map_err(|e| e.to_string())?;
    // SAFETY: the parent passed these descriptors to this process alone
    // (see `session.rs`); nothing else in this process owns them.
    let (control, fds) = unsafe {
        (
            UnixStream::from_raw_fd(orders.control),
            orders.fds.iter().map(|&fd| OwnedFd::from_raw_fd(fd)).collect(),
        )
    };
    pin_or_panic(CPUS[1]);
    let (name, spec) = (orders.transport.as_str(), &orders.spec);
    let serve = if name == Cacheline::NAME {
        serve::<Cacheline>
    } else {
        suites
            .iter()
            .find_map(|lookup| lookup(name, spec))
            .ok_or_else(|| format!("no transport {name} for {}-byte payloads", spec.payload))?
    };
    serve(orders.role, spec, control, fds)
}

/// Connects as `role` of transport `T` and obeys `control` until told to exit.
pub fn serve<T: Transport>(role: Role, spec: &Spec, mut control: UnixStream, fds: Vec<OwnedFd>) -> Result<(), String> {
    let io = |e: std::io::Error| format!("control channel: {e}");
    match role {
        Role::Answer => {
            let mut ponger = T::connect_ponger(spec, fds)?;
            control::reply(&mut control, READY).map_err(io)?;
            loop {
                match Command::receive(&mut control).map_err(io)? {
                    Command::Run(round_trips) => {
                        for _ in 0..round_trips {
                            ponger.echo();
                        }
                        control::reply(&mut control, DONE).map_err(io)?;
                    }
                    Command::Stop => return Err("receiver 0 was told to stop draining".to_owned()),
                    Command::Exit => return Ok(()),
                }
            }
        }
        Role::Passive => {
            let mut passive = T::connect_passive(spec, fds)?;
            control::reply(&mut control, READY).map_err(io)?;
            loop {
                match Command::receive(&mut control).map_err(io)? {
                    Command::Run(_) => {
                        while !readable_within(&control, PASSIVE_PERIOD_MS).map_err(io)? {
                            passive.drain();
                        }
                        passive.drain();
                        match Command::receive(&mut control).map_err(io)? {
                            Command::Stop => control::reply(&mut control, DONE).map_err(io)?,
                            Command::Exit => return Ok(()),
                            Command::Run(_) => return Err("a second run before the first stopped".to_owned()),
                        }
                    }
                    Command::Stop => return Err("told to stop before a run".to_owned()),
                    Command::Exit => return Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_survive_the_command_line() {
        let orders = Orders {
            transport: "iox2".to_owned(),
            role: Role::Passive,
            spec: Spec {
                payload: 4096,
                read: true,
                subscribers: 4,
                tag: "123/read-subs4-4096".to_owned(),
            },
            parent: 123,
            control: 7,
            fds: vec![8, 9],
        };
        assert_eq!(Orders::from_args(&orders.to_args()), Ok(orders.clone()));
        let none = Orders { fds: vec![], ..orders };
        assert_eq!(Orders::from_args(&none.to_args()), Ok(none));
    }
}
