//! `cargo xtask demo`: the main job — a publisher process and a subscriber
//! process talking over shared memory, no daemon in between.
//!
//! Builds the two examples of `iox2-examples`, starts the subscriber, then
//! the publisher, and waits for both; fails if either fails.

use std::path::PathBuf;
use std::process::{Child, Command};

use crate::cmd::{Cmd, workspace_root};
use crate::{Failure, Result};

/// Samples the demo sends and expects.
const SAMPLES: &str = "20";

/// Runs the demo.
pub fn run() -> Result {
    Cmd::new("cargo")
        .args(["build", "-p", "iox2-examples", "--examples"])
        .run()?;
    let examples = target_dir().join("debug").join("examples");
    println!("\nstarting a subscriber process and a publisher process (shared memory, no broker):\n");
    let mut subscriber = spawn(examples.join("subscriber"))?;
    let mut publisher = match spawn(examples.join("publisher")) {
        Ok(publisher) => publisher,
        Err(e) => {
            let _ = subscriber.kill();
            let _ = subscriber.wait();
            return Err(e);
        }
    };
    let published = wait(&mut publisher, "publisher");
    let subscribed = wait(&mut subscriber, "subscriber");
    published.and(subscribed)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

fn spawn(program: PathBuf) -> Result<Child> {
    Command::new(&program)
        .arg(SAMPLES)
        .spawn()
        .map_err(|e| Failure::new(format!("cannot start {}: {e}", program.display())))
}

fn wait(child: &mut Child, name: &str) -> Result {
    match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Failure::new(format!("the {name} process failed ({status})"))),
        Err(e) => Err(Failure::new(format!("cannot wait for the {name} process: {e}"))),
    }
}
