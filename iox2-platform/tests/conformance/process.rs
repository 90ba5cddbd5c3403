//! Checks across processes: the test binary runs itself again with a role
//! (environment variable [`ROLE_VAR`]) in the test `child_entry`, which
//! every conformance file defines as `process::child_entry::<P>()`.

use super::unique;
use super::wait::{set_and_wake, wait_while};
use super::word;
use core::time::Duration;
use iox2_platform::error::LivenessError;
use iox2_platform::{Access, Liveness, NodeState, Platform, Region};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// Selects the child's role; unset in a normal test run.
pub const ROLE_VAR: &str = "IOX2_CONFORMANCE_ROLE";

/// The line a child prints once it is in place.
const READY: &str = "IOX2-CHILD-READY";

/// The longest a holding child lives if nobody kills it.
const CHILD_LIFETIME: Duration = Duration::from_secs(60);

/// A child process, killed and reaped when dropped (so a failing test does
/// not leave it behind).
pub struct ChildGuard {
    child: Child,
}

impl ChildGuard {
    /// Starts this test binary again in `role`, and waits for it to be ready.
    pub fn spawn(role: &str) -> Self {
        let exe = std::env::current_exe().expect("test binary path");
        let child = Command::new(exe)
            .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
            .env(ROLE_VAR, role)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let mut guard = Self { child };
        let stdout = guard.child.stdout.take().expect("child stdout");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains(READY) => break,
                Some(Ok(_)) => {}
                other => panic!("child in role {role:?} ended before it was ready: {other:?}"),
            }
        }
        // Keep draining the child's output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        guard
    }

    /// Kills the child with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the child to end; whether it succeeded.
    pub fn succeeded(&mut self) -> bool {
        self.child.wait().map(|s| s.success()).unwrap_or(false)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

fn ready() {
    println!("{READY}");
    let _ = std::io::stdout().flush();
}

/// The body of the `child_entry` test: does nothing in a normal run; in a
/// child, plays the role named by [`ROLE_VAR`].
pub fn child_entry<P: Platform>() {
    let Ok(role) = std::env::var(ROLE_VAR) else {
        return;
    };
    let mut parts = role.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("hold"), Some(name), None) => {
            let _token = P::Liveness::acquire(name).expect("child acquire");
            ready();
            std::thread::sleep(CHILD_LIFETIME);
        }
        (Some("pong"), Some(name), Some(rounds)) => {
            let rounds: u32 = rounds.parse().expect("rounds");
            let region = P::Region::open(name, Access::ReadWrite).expect("child open");
            let word = word(&region, 0);
            ready();
            for round in 0..rounds {
                wait_while::<P>(word, 2 * round);
                set_and_wake::<P>(word, 2 * round + 2);
            }
        }
        _ => panic!("unknown role {role:?}"),
    }
}

/// A child holds a token and is killed with SIGKILL: its node is Dead, the
/// stale token can be removed — or taken over.
pub fn killed_holder_is_dead<P: Platform>() {
    type L<P> = <P as Platform>::Liveness;
    let name = unique("killed");
    let mut child = ChildGuard::spawn(&format!("hold:{name}"));
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Alive));
    assert_eq!(L::<P>::acquire(&name).err(), Some(LivenessError::InUse));
    assert_eq!(L::<P>::remove_stale(&name), Err(LivenessError::InUse));
    child.kill();
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Dead));
    assert_eq!(L::<P>::remove_stale(&name), Ok(()));
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Unknown));

    // Dead again; this time the token is taken over by a new holder.
    let mut child = ChildGuard::spawn(&format!("hold:{name}"));
    child.kill();
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Dead));
    let token = L::<P>::acquire(&name).expect("take over a dead token");
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Alive));
    drop(token);
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Unknown));
}

/// A parent and a child process play ping-pong over one word of a shared
/// region: every wake crosses the process boundary, none may be lost.
pub fn ping_pong_with_child<P: Platform>(rounds: u32) {
    let name = unique("xproc");
    let region = P::Region::create(&name, 4096).expect("create");
    let word = word(&region, 0);
    let mut child = ChildGuard::spawn(&format!("pong:{name}:{rounds}"));
    for round in 0..rounds {
        set_and_wake::<P>(word, 2 * round + 1);
        wait_while::<P>(word, 2 * round + 1);
    }
    assert!(child.succeeded(), "child failed");
    assert_eq!(word.load(iox2_platform::sync::Ordering::Acquire), 2 * rounds);
    P::Region::remove(&name).expect("remove");
}
