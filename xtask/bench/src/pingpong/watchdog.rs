//! A watchdog for cases whose waits have no timeout: if a receiver dies
//! while the pinger sleeps in a blocking wait, nothing would wake it, so a
//! helper thread ends the bench process once a case overruns its limit
//! (the receivers die with it, see `child.rs`).

use core::time::Duration;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};

/// Armed until dropped.
#[derive(Debug)]
pub struct Watchdog {
    disarm: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Ends the process with an error naming `what` unless dropped within `limit`.
    pub fn arm(what: String, limit: Duration) -> Self {
        let (disarm, armed) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = armed.recv_timeout(limit) {
                eprintln!("error: {what} took longer than {limit:?}: a receiver is gone or stuck");
                std::process::exit(1);
            }
        });
        Self {
            disarm: Some(disarm),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread with `Disconnected`.
        drop(self.disarm.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
