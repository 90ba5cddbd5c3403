//! Shared helpers of iox2's multi-process tests (in `tests/tests/`).
//!
//! A multi-process test runs its own test binary again as a child, with the
//! environment variable [`ROLE_VAR`] naming the part the child plays; the
//! test function checks [`role`] first and plays that part instead of the
//! parent's.

use std::process::{Child, Command, Stdio};

/// The environment variable that tells a re-run test binary its role.
pub const ROLE_VAR: &str = "IOX2_TEST_ROLE";

/// The role this process plays, if it is a child.
pub fn role() -> Option<String> {
    std::env::var(ROLE_VAR).ok()
}

/// Starts this test binary again to run only `test` (its full path, e.g.
/// `spsc_two_process_stress`) in the role `role`, with extra environment
/// variables.
pub fn spawn_child(test: &str, role: &str, env: &[(&str, &str)]) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE_VAR, role)
        .stdin(Stdio::null())
        // The child's libtest summary would read as the parent's; its
        // panics and messages go to stderr, which stays attached.
        .stdout(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("start the child process")
}

/// A name unique to this process and call, for regions and tokens.
pub fn unique_name(stem: &str) -> String {
    use core::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{stem}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
