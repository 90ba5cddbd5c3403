//! `PosixLiveness`: node tokens that name the process lock of their
//! process; a node lives while its process holds that lock.

use super::process_lock::{self, ProcessLock};
use super::token_file::{self, MAX_NAME_LEN};
use crate::error::{LivenessError, check_name};
use crate::liveness::{Liveness, NodeState};
use crate::record_lock::{self, Lock, Owner};
use std::collections::BTreeMap;
use std::string::String;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How often an operation that lost a race with another process on the
/// same token starts over before it reports `InUse`.
const ATTEMPTS: usize = 16;

/// Process-wide liveness state; every operation holds its lock, so the
/// threads of this process never race each other on token files (record
/// locks would not tell them apart).
#[derive(Debug)]
struct State {
    process: Option<ProcessLock>,
    /// Tokens this process holds, by name, with their generation.
    own: BTreeMap<String, u64>,
    next_generation: u64,
    /// Serial numbers of temporary files.
    serial: u64,
}

static STATE: Mutex<State> = Mutex::new(State {
    process: None,
    own: BTreeMap::new(),
    next_generation: 0,
    serial: 0,
});

/// The state; no operation leaves it half-changed on a panic (each change
/// is one call), so a poisoned lock is taken over.
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// This process's id, if it has a process lock (not one inherited
    /// through `fork`).
    fn current_id(&self) -> Option<String> {
        self.process
            .as_ref()
            .filter(|p| p.is_current())
            .map(|p| String::from(p.id()))
    }

    /// This process's id, creating its process lock if needed. In a forked
    /// child the parent's lock and tokens are dropped first (the child
    /// holds neither; closing the inherited descriptor is harmless).
    fn id(&mut self) -> Result<String, i32> {
        if let Some(id) = self.current_id() {
            return Ok(id);
        }
        self.own.clear();
        self.process = None;
        let process = ProcessLock::create()?;
        let id = String::from(process.id());
        self.process = Some(process);
        Ok(id)
    }

    fn next_serial(&mut self) -> u64 {
        self.serial = self.serial.wrapping_add(1);
        self.serial
    }

    /// Records a token this process now holds.
    fn hold(&mut self, name: &str) -> PosixToken {
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        self.own.insert(String::from(name), generation);
        PosixToken {
            name: String::from(name),
            generation,
        }
    }

    /// What the token owner `owner` says about its node: `Dead` for a
    /// token of this very process that it does not hold (left behind), else
    /// the owner process's state (INV-PROCLOCK: never our own lock file).
    fn owner_state(&self, owner: &str) -> Result<NodeState, i32> {
        if self.current_id().as_deref() == Some(owner) {
            return Ok(NodeState::Dead);
        }
        process_lock::state_of(owner)
    }
}

/// What a takeover attempt found.
enum Takeover {
    Taken,
    /// Someone else changed the token meanwhile: look again.
    Raced,
}

/// Replaces the dead `owner`'s token at `path` by one naming `me`, holding
/// a record lock on the old file meanwhile, so that two processes cannot
/// both take it over (this process's threads are serialized by `STATE`).
fn take_over(path: &str, owner: &str, me: &str, serial: u64) -> Result<Takeover, i32> {
    let Some(file) = token_file::open(path)? else {
        return Ok(Takeover::Raced);
    };
    if record_lock::try_lock(&file, Owner::Process)? == Lock::HeldElsewhere {
        return Ok(Takeover::Raced);
    }
    if !token_file::is_at(&file, path)? || token_file::read_owner_of(&file)? != owner {
        return Ok(Takeover::Raced);
    }
    token_file::replace(path, me, serial)?;
    // Closing `file` releases the record lock on the replaced file.
    Ok(Takeover::Taken)
}

/// Liveness through one process-wide lock (DESIGN.md "Platform": POSIX
/// record locks are per process and vanish when the process closes any
/// descriptor of the file, so each node's token only *names* the process
/// lock file, which is never opened twice by its process).
///
/// - Alive: the token's process lock is held (tokens of this process are
///   answered from a process-local registry);
/// - Dead: the token exists and its process lock is not held;
/// - Unknown: no token.
///
/// A process that `fork`s without `exec` must not use its parent's tokens;
/// the child gets its own process lock when it first acquires one.
#[derive(Debug)]
pub struct PosixLiveness;

/// A held token. Dropping it removes the token file (probe: `Unknown`).
#[derive(Debug)]
pub struct PosixToken {
    name: String,
    generation: u64,
}

impl Drop for PosixToken {
    fn drop(&mut self) {
        let mut state = state();
        if state.own.get(&self.name) != Some(&self.generation) {
            return;
        }
        state.own.remove(&self.name);
        let path = token_file::path(&self.name);
        if let Some(me) = state.current_id()
            && token_file::read_owner(&path) == Ok(Some(me))
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

impl Liveness for PosixLiveness {
    type Token = PosixToken;

    const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    fn acquire(name: &str) -> Result<PosixToken, LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let mut state = state();
        let me = state.id().map_err(LivenessError::Os)?;
        if state.own.contains_key(name) {
            return Err(LivenessError::InUse);
        }
        let path = token_file::path(name);
        for _ in 0..ATTEMPTS {
            let serial = state.next_serial();
            match token_file::read_owner(&path).map_err(LivenessError::Os)? {
                None => {
                    if token_file::create(&path, &me, serial).map_err(LivenessError::Os)? {
                        return Ok(state.hold(name));
                    }
                }
                Some(owner) => {
                    if state.owner_state(&owner).map_err(LivenessError::Os)? == NodeState::Alive {
                        return Err(LivenessError::InUse);
                    }
                    if let Takeover::Taken = take_over(&path, &owner, &me, serial).map_err(LivenessError::Os)? {
                        return Ok(state.hold(name));
                    }
                }
            }
        }
        Err(LivenessError::InUse)
    }

    fn probe(name: &str) -> Result<NodeState, LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let state = state();
        if state.own.contains_key(name) {
            return Ok(NodeState::Alive);
        }
        match token_file::read_owner(&token_file::path(name)).map_err(LivenessError::Os)? {
            None => Ok(NodeState::Unknown),
            Some(owner) => state.owner_state(&owner).map_err(LivenessError::Os),
        }
    }

    fn remove_stale(name: &str) -> Result<(), LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let state = state();
        if state.own.contains_key(name) {
            return Err(LivenessError::InUse);
        }
        let path = token_file::path(name);
        for _ in 0..ATTEMPTS {
            let Some(owner) = token_file::read_owner(&path).map_err(LivenessError::Os)? else {
                return Ok(());
            };
            if state.owner_state(&owner).map_err(LivenessError::Os)? == NodeState::Alive {
                return Err(LivenessError::InUse);
            }
            let Some(file) = token_file::open(&path).map_err(LivenessError::Os)? else {
                continue;
            };
            // A held lock means another process is taking the token over.
            if record_lock::try_lock(&file, Owner::Process).map_err(LivenessError::Os)? == Lock::HeldElsewhere {
                return Err(LivenessError::InUse);
            }
            let unchanged = token_file::is_at(&file, &path).map_err(LivenessError::Os)?
                && token_file::read_owner_of(&file).map_err(LivenessError::Os)? == owner;
            if unchanged {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(LivenessError::Os(super::os::errno_of(&e))),
                }
                drop(file);
                return Ok(());
            }
        }
        Err(LivenessError::InUse)
    }
}
