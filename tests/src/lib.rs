//! Shared helpers of iox2's multi-process tests (in `tests/tests/`).
//!
//! A multi-process test runs its own test binary again as a child, with the
//! environment variable [`ROLE_VAR`] naming the part the child plays; the
//! test function checks [`role`] first and plays that part instead of the
//! parent's.

use std::process::{Child, Command, Stdio};

/// The environment variable that tells a re-run test binary its role.
pub const ROLE_VAR: &str = "IOX2_TEST_ROLE";

/// The environment variable naming the file a child started by
/// [`Children`] creates when it takes up its role: the proof that the test
/// name matched and the child did not just run zero tests.
pub const STARTED_VAR: &str = "IOX2_TEST_STARTED";

/// The role this process plays, if it is a child.
pub fn role() -> Option<String> {
    let role = std::env::var(ROLE_VAR).ok()?;
    if let Some(path) = std::env::var_os(STARTED_VAR) {
        std::fs::write(path, role.as_bytes()).expect("record that the child started");
    }
    Some(role)
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

/// The environment variable that names a child's [`Flags`] directory.
pub const FLAGS_VAR: &str = "IOX2_TEST_FLAGS";

/// The environment variable that names the service a child works on.
pub const SERVICE_VAR: &str = "IOX2_TEST_SERVICE";

/// A fresh service name for one test run: unique per process and call,
/// so parallel runs of the tests never share a service.
pub fn unique_service(stem: &str) -> String {
    format!("iox2-tests/{}", unique_name(stem))
}

/// The service name the parent gave this child ([`SERVICE_VAR`]).
pub fn child_service() -> String {
    std::env::var(SERVICE_VAR).expect("the parent names the service")
}

/// Starts the watchdog of a child process: it exits (with status 70) when
/// its parent dies — so a test run that is killed leaves no processes
/// behind — or after `limit`, whichever comes first.
pub fn child_watchdog(limit: core::time::Duration) {
    use std::os::unix::process::parent_id;
    let parent = parent_id();
    let deadline = std::time::Instant::now() + limit;
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(core::time::Duration::from_millis(50));
            if parent_id() != parent {
                eprintln!("child {}: the parent died; exiting", std::process::id());
                std::process::exit(70);
            }
            if std::time::Instant::now() > deadline {
                eprintln!("child {}: the watchdog expired; exiting", std::process::id());
                std::process::exit(70);
            }
        }
    });
}

/// The child processes of one test. Dropping it kills (SIGKILL) and waits
/// for every child still running, so a failed assertion in the parent
/// leaves no process behind.
#[derive(Debug, Default)]
pub struct Children {
    children: Vec<(String, Option<Child>)>,
    /// Per child, the file it creates when it takes up its role.
    started: Vec<std::path::PathBuf>,
}

impl Children {
    /// No children yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a child running `test` in `role` (see [`spawn_child`]);
    /// returns its index in this set.
    pub fn spawn(&mut self, test: &str, role: &str, env: &[(&str, &str)]) -> usize {
        let started = std::env::temp_dir().join(unique_name("iox2-test-started"));
        let started_var = started.to_str().expect("a UTF-8 temporary directory");
        let mut env = env.to_vec();
        env.push((STARTED_VAR, started_var));
        let child = spawn_child(test, role, &env);
        self.started.push(started);
        self.children.push((role.to_owned(), Some(child)));
        self.children.len() - 1
    }

    /// The process id of child `index`.
    pub fn pid(&self, index: usize) -> u32 {
        self.children[index].1.as_ref().expect("a running child").id()
    }

    /// Kills child `index` with SIGKILL and waits for it.
    pub fn kill(&mut self, index: usize) {
        let mut child = self.children[index].1.take().expect("a running child");
        child.kill().expect("SIGKILL the child");
        child.wait().expect("wait for the killed child");
        assert!(
            self.started[index].exists(),
            "child `{}` ran no test: is the test name right?",
            self.children[index].0
        );
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`) to child `index`, which must
    /// not have been waited for yet.
    pub fn signal(&self, index: usize, signal: i32) {
        let pid = libc::pid_t::try_from(self.pid(index)).expect("a process id fits pid_t");
        // SAFETY: `kill` takes no pointers; `pid` is our own child, not yet
        // reaped (its `Child` is still held), so it names no other process.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(
            sent,
            0,
            "signal {signal} to child `{}`: {}",
            self.children[index].0,
            std::io::Error::last_os_error()
        );
    }

    /// Whether child `index` has exited (successfully: a failure panics).
    pub fn try_finished(&mut self, index: usize) -> bool {
        let (role, slot) = &mut self.children[index];
        let Some(child) = slot else { return true };
        match child.try_wait().expect("poll the child") {
            None => false,
            Some(status) => {
                *slot = None;
                assert!(status.success(), "child `{role}` failed: {status}");
                assert!(
                    self.started[index].exists(),
                    "child `{role}` ran no test: is the test name right?"
                );
                true
            }
        }
    }

    /// Waits until child `index` exits successfully; panics if it fails or
    /// is still running after `timeout`.
    pub fn wait(&mut self, index: usize, timeout: core::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while !self.try_finished(index) {
            assert!(
                std::time::Instant::now() < deadline,
                "child `{}` still runs after {timeout:?}",
                self.children[index].0
            );
            std::thread::sleep(core::time::Duration::from_millis(2));
        }
    }

    /// Waits until every child exits successfully; panics as soon as one
    /// fails, or if any is still running after `timeout`.
    pub fn wait_all(&mut self, timeout: core::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let mut running = Vec::new();
            for index in 0..self.children.len() {
                if !self.try_finished(index) {
                    running.push(self.children[index].0.clone());
                }
            }
            if running.is_empty() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "children {running:?} still run after {timeout:?}"
            );
            std::thread::sleep(core::time::Duration::from_millis(2));
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (_, slot) in &mut self.children {
            if let Some(mut child) = slot.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        for started in &self.started {
            let _ = std::fs::remove_file(started);
        }
    }
}

/// Named one-shot flags between a test's processes: empty files in a
/// directory of their own. The parent creates the directory (and removes
/// it on drop); children find it through [`FLAGS_VAR`].
#[derive(Debug)]
pub struct Flags {
    dir: std::path::PathBuf,
    owner: bool,
}

impl Flags {
    /// A fresh, empty flag directory, removed when this value drops.
    pub fn create() -> Self {
        let dir = std::env::temp_dir().join(unique_name("iox2-test-flags"));
        std::fs::create_dir_all(&dir).expect("create the flag directory");
        Self { dir, owner: true }
    }

    /// The parent's flag directory, in a child.
    pub fn from_env() -> Self {
        let dir = std::env::var_os(FLAGS_VAR).expect("the parent names the flag directory");
        Self {
            dir: dir.into(),
            owner: false,
        }
    }

    /// The directory, for [`FLAGS_VAR`].
    pub fn dir(&self) -> &str {
        self.dir.to_str().expect("a UTF-8 temporary directory")
    }

    /// Raises flag `name`.
    pub fn set(&self, name: &str) {
        std::fs::write(self.dir.join(name), b"").expect("raise a flag");
    }

    /// Whether flag `name` is raised.
    pub fn is_set(&self, name: &str) -> bool {
        self.dir.join(name).exists()
    }

    /// Waits until flag `name` is raised; panics after `timeout`.
    pub fn wait(&self, name: &str, timeout: core::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while !self.is_set(name) {
            assert!(
                std::time::Instant::now() < deadline,
                "flag `{name}` not raised within {timeout:?}"
            );
            std::thread::sleep(core::time::Duration::from_millis(1));
        }
    }
}

impl Drop for Flags {
    fn drop(&mut self) {
        if self.owner {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs the multi-process tests of one test binary one at a time: they
/// spin on 2 shared cores, and their timing assumptions (a slow
/// subscriber is slower than its publisher) hold better alone.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Polls `done` every millisecond until it says true; panics with `what`
/// after `timeout`.
pub fn wait_until(what: &str, timeout: core::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what}: not within {timeout:?}");
        std::thread::sleep(core::time::Duration::from_millis(1));
    }
}

/// A test payload that proves itself: a sequence number, data derived
/// from it, and a checksum over both, so a torn, stale or foreign read
/// shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, iox2_core::payload::ZeroCopySend)]
#[repr(C)]
pub struct Checked {
    /// The sender's sequence number of the value.
    pub seq: u64,
    /// Words derived from `seq`.
    pub data: [u64; 6],
    /// A checksum over `seq` and `data`.
    pub checksum: u64,
}

impl Checked {
    /// The value for `seq`.
    pub fn new(seq: u64) -> Self {
        let mut data = [0; 6];
        let mut state = seq;
        for word in &mut data {
            // SplitMix64.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *word = z ^ (z >> 31);
        }
        Self {
            seq,
            data,
            checksum: Self::sum(seq, &data),
        }
    }

    fn sum(seq: u64, data: &[u64; 6]) -> u64 {
        data.iter()
            .fold(seq ^ 0xC0FF_EE00_D15E_A5E5, |acc, &w| acc.rotate_left(7) ^ w)
    }

    /// Whether the value is exactly what [`Checked::new`] made of its `seq`.
    pub fn is_intact(&self) -> bool {
        *self == Self::new(self.seq)
    }
}
