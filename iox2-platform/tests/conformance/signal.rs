//! A signal ends a wait with `Interrupted` (hosts with signals).

use super::wait::scratch;
use super::word;
use iox2_platform::{Platform, WaitOutcome, WaitWord};
use std::sync::mpsc;

extern "C" fn ignore(_signal: libc::c_int) {}

/// Installs an empty SIGUSR1 handler without `SA_RESTART`, so a blocking
/// call of the signalled thread returns EINTR.
fn install_handler() {
    // SAFETY: all-zero is a valid `sigaction` (no flags, empty mask).
    let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
    action.sa_sigaction = ignore as *const () as libc::sighandler_t;
    // SAFETY: `action` is valid; the handler does nothing, so it is
    // async-signal-safe.
    let result = unsafe { libc::sigaction(libc::SIGUSR1, &raw const action, core::ptr::null_mut()) };
    assert_eq!(result, 0, "sigaction");
}

/// A thread sleeps on a word of a region without deadline; SIGUSR1 to it
/// must end the wait with `Interrupted`, not hang or restart the sleep.
pub fn signal_interrupts_wait<P: Platform>() {
    install_handler();
    let region = scratch::<P>("signal");
    let word = word(&region, 0);
    std::thread::scope(|s| {
        let (sender, receiver) = mpsc::channel();
        let sleeper = s.spawn(move || {
            // SAFETY: `pthread_self` has no preconditions.
            let _ = sender.send(unsafe { libc::pthread_self() });
            <P as Platform>::Waiter::wait(word, 0, None)
        });
        let thread = receiver.recv().expect("sleeper's thread id");
        while !sleeper.is_finished() {
            std::thread::sleep(core::time::Duration::from_millis(5));
            // SAFETY: `thread` is a live thread of this process until it
            // finishes (checked above; it is joined only below).
            unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
        }
        let outcome = sleeper.join().expect("sleeper");
        assert_eq!(outcome, Ok(WaitOutcome::Interrupted));
    });
}
