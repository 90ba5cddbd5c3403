//! Subprocesses: a command line that prints itself before it runs, runs in
//! the workspace root, and reports its own text when it fails.

use core::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::{Failure, Result};

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// A program, its arguments and the environment variables it gets on top of
/// ours.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

impl Cmd {
    /// `program` with no arguments yet.
    pub fn new(program: &str) -> Self {
        Self {
            program: program.to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
        }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Prints the command line, then runs it with our stdin, stdout and
    /// stderr; fails unless it exits with status 0.
    pub fn run(&self) -> Result {
        println!("$ {self}");
        let status = self.command().status().map_err(|e| self.spawn_failure(&e))?;
        if status.success() {
            Ok(())
        } else {
            Err(Failure::new(format!("`{self}` failed ({status})")))
        }
    }

    /// Runs the command quietly and returns its standard output; on failure
    /// the error carries its standard error.
    pub fn read(&self) -> Result<String> {
        let Output { status, stdout, stderr } = self
            .command()
            .stdin(Stdio::null())
            .output()
            .map_err(|e| self.spawn_failure(&e))?;
        if status.success() {
            Ok(String::from_utf8_lossy(&stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&stderr);
            Err(Failure::new(format!("`{self}` failed ({status}): {}", stderr.trim())))
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).current_dir(workspace_root());
        command.envs(self.envs.iter().map(|(k, v)| (k, v)));
        command
    }

    fn spawn_failure(&self, error: &io::Error) -> Failure {
        Failure::new(format!("cannot start `{self}`: {error}"))
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.envs {
            write!(f, "{key}={} ", quoted(value))?;
        }
        f.write_str(&self.program)?;
        for arg in &self.args {
            write!(f, " {}", quoted(arg))?;
        }
        Ok(())
    }
}

/// `text` as a shell word: single-quoted when it holds anything but plain
/// characters, so a printed command can be pasted into a shell.
fn quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_a_pasteable_command_line() {
        let cmd = Cmd::new("cargo")
            .args(["test", "--test", "loom_*"])
            .env("RUSTFLAGS", "--cfg iox2_loom");
        assert_eq!(
            cmd.to_string(),
            "RUSTFLAGS='--cfg iox2_loom' cargo test --test 'loom_*'"
        );
    }
}
