//! `LocalLiveness`: node tokens in a process-wide table; a test can make a
//! token's node "die" to exercise reaping without a second process.

use crate::error::{LivenessError, check_name};
use crate::liveness::{Liveness, NodeState};
use std::collections::BTreeMap;
use std::string::String;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The longest token name, in bytes.
pub const MAX_NAME_LEN: usize = 255;

/// One token: which acquisition holds it, and whether its node died.
#[derive(Debug, Clone, Copy)]
struct Entry {
    generation: u64,
    dead: bool,
}

#[derive(Debug)]
struct Tokens {
    next_generation: u64,
    map: BTreeMap<String, Entry>,
}

static TOKENS: Mutex<Tokens> = Mutex::new(Tokens {
    next_generation: 0,
    map: BTreeMap::new(),
});

/// The token table; every change is one map call, so a poisoned lock is
/// taken over.
fn tokens() -> MutexGuard<'static, Tokens> {
    TOKENS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Liveness tokens of nodes living in this process.
#[derive(Debug)]
pub struct LocalLiveness;

/// A held local token. Dropping it leaves (probe: `Unknown`);
/// [`LocalToken::die`] leaves it behind as `Dead`.
#[derive(Debug)]
pub struct LocalToken {
    name: String,
    generation: u64,
}

impl LocalToken {
    /// Ends the token as if its node had crashed: probes answer `Dead`
    /// until [`Liveness::remove_stale`] or a new `acquire` takes it over.
    pub fn die(self) {
        if let Some(entry) = tokens().map.get_mut(&self.name)
            && entry.generation == self.generation
        {
            entry.dead = true;
        }
    }
}

impl Drop for LocalToken {
    fn drop(&mut self) {
        let mut tokens = tokens();
        if tokens
            .map
            .get(&self.name)
            .is_some_and(|e| e.generation == self.generation && !e.dead)
        {
            tokens.map.remove(&self.name);
        }
    }
}

impl Liveness for LocalLiveness {
    type Token = LocalToken;

    const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    fn acquire(name: &str) -> Result<LocalToken, LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let mut tokens = tokens();
        if tokens.map.get(name).is_some_and(|e| !e.dead) {
            return Err(LivenessError::InUse);
        }
        let generation = tokens.next_generation;
        tokens.next_generation += 1;
        tokens.map.insert(
            String::from(name),
            Entry {
                generation,
                dead: false,
            },
        );
        Ok(LocalToken {
            name: String::from(name),
            generation,
        })
    }

    fn probe(name: &str) -> Result<NodeState, LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        Ok(match tokens().map.get(name) {
            Some(Entry { dead: false, .. }) => NodeState::Alive,
            Some(Entry { dead: true, .. }) => NodeState::Dead,
            None => NodeState::Unknown,
        })
    }

    fn remove_stale(name: &str) -> Result<(), LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let mut tokens = tokens();
        match tokens.map.get(name) {
            Some(Entry { dead: false, .. }) => Err(LivenessError::InUse),
            Some(Entry { dead: true, .. }) => {
                tokens.map.remove(name);
                Ok(())
            }
            None => Ok(()),
        }
    }
}
