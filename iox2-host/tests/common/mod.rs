//! What the tool tests (`cli.rs`, `tools.rs`) share: unique service names,
//! child processes that are killed when a test ends early, and the re-run
//! of the test binary as a child that holds a node until it is killed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A service name unique to this process and `tag`, under `stem`.
pub fn unique(stem: &str, tag: &str) -> String {
    format!("test/{stem}/{tag}/{}", std::process::id())
}

/// A child process, killed if the test ends before it does.
#[derive(Debug)]
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs this test binary again for test `test` alone, with `var` set to
/// `value`, and waits for it to print `ready <id>` (16 hex digits, the
/// id of the node it holds). Returns the child and the id.
pub fn spawn_ready_child(test: &str, var: &str, value: &str) -> (Running, u64) {
    let mut child = Running(
        Command::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(var, value)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("the child says it is ready").unwrap();
        // libtest prints the test's name on the same line first.
        if let Some((_, id)) = line.split_once("ready ") {
            return (child, u64::from_str_radix(id.trim(), 16).unwrap());
        }
    }
}

/// In a child started by [`spawn_ready_child`]: says it is ready (the id
/// of the node it holds), then waits to be killed — never much longer
/// than its test.
pub fn ready_and_wait(node_id: u64) {
    println!("ready {node_id:016x}");
    std::thread::sleep(core::time::Duration::from_secs(60));
}
