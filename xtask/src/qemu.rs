//! The `qemu` stage (also `cargo xtask qemu`): every board crate under
//! `boards/` runs its firmware in QEMU with `cargo run --release` from its
//! own directory (the runner of its `.cargo/config.toml`, under
//! `timeout 60`); the stage compares the firmware's standard output with the
//! board's `expected.txt` (exact match after trimming) and fails on a
//! mismatch or a non-zero exit status. The firmware example
//! `examples/firmware` runs the same way after the boards.
//!
//! `qemu-system-arm` (Cortex-M boards) and `qemu-system-riscv32` (the
//! RISC-V board) must be on `PATH`. When one is missing and we run as
//! root, both are installed from bookworm-backports (bookworm's own QEMU
//! 7.2 conflicts with the preinstalled backports `qemu-utils`, see
//! `TOOLCHAIN.md`); otherwise the stage fails naming the commands.
//!
//! Boards: `qemu-m0` (microbit, Cortex-M0, critical-section RMW),
//! `qemu-m3` (lm3s6965evb, Cortex-M3), `qemu-m33-dual` (mps2-an521, both
//! Cortex-M33 cores), `qemu-riscv-dual` (virt, two RV32IMAC harts).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use std::{env, fs};

use crate::cmd::{Cmd, workspace_root};
use crate::{Failure, Result};

/// Rustup targets the board crates need beyond
/// [`crate::stages::NO_STD_TARGETS`] (installed by the `setup` stage).
pub const BOARD_TARGETS: &[&str] = &["thumbv7m-none-eabi", "thumbv8m.main-none-eabi"];

/// The QEMU programs the boards' runners start.
const QEMU_PROGRAMS: [&str; 2] = ["qemu-system-arm", "qemu-system-riscv32"];

/// The APT source file for bookworm-backports.
const BACKPORTS_SOURCES: &str = "/etc/apt/sources.list.d/backports.sources";

/// The Debian APT source file the backports mirror is read from.
const DEBIAN_SOURCES: &str = "/etc/apt/sources.list.d/debian.sources";

/// The QEMU packages, from bookworm-backports.
const QEMU_PACKAGES: [&str; 2] = ["qemu-system-arm", "qemu-system-misc"];

/// Runs every board's firmware and compares its output.
pub fn run() -> Result {
    ensure_qemu()?;
    let boards = boards()?;
    if boards.is_empty() {
        return Err(Failure::new(
            "no board crate (a directory with Cargo.toml) under boards/",
        ));
    }
    for board in &boards {
        run_board(board)?;
    }
    // The firmware example runs like a board, so that it keeps working.
    run_board(&workspace_root().join(FIRMWARE_EXAMPLE))
}

/// The firmware example (a crate of its own, built like a board).
const FIRMWARE_EXAMPLE: &str = "examples/firmware";

/// The board directories: `boards/*/` with a `Cargo.toml`, sorted.
pub(crate) fn boards() -> Result<Vec<PathBuf>> {
    let dir = workspace_root().join("boards");
    let entries = fs::read_dir(&dir).map_err(|e| Failure::new(format!("cannot read {}: {e}", dir.display())))?;
    let mut boards: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    boards.sort();
    Ok(boards)
}

/// `cargo run --release` in `board`; its stdout must equal `expected.txt`.
fn run_board(board: &Path) -> Result {
    let name = board
        .strip_prefix(workspace_root())
        .unwrap_or(board)
        .to_string_lossy()
        .into_owned();
    let expected_path = board.join("expected.txt");
    let expected = fs::read_to_string(&expected_path)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", expected_path.display())))?;
    println!("$ (cd {name} && cargo run --release)");
    let started = Instant::now();
    let output = Command::new("cargo")
        .args(["run", "--release"])
        .current_dir(board)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::new(format!("cannot start cargo in {name}: {e}")))?;
    // A UART's output reaches us with `\r\n` line ends.
    let stdout = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    print!("{stdout}");
    println!("({name}: {:.1} s, {})", started.elapsed().as_secs_f64(), output.status);
    if !output.status.success() {
        let hint = if output.status.code() == Some(124) {
            " (timed out after 60 s: a hang)"
        } else {
            ""
        };
        return Err(Failure::new(format!("board {name} failed ({}){hint}", output.status)));
    }
    if stdout.trim() != expected.trim() {
        return Err(Failure::new(format!(
            "board {name}: output differs from {}\n--- expected\n{}\n--- got\n{}",
            expected_path.display(),
            expected.trim(),
            stdout.trim()
        )));
    }
    Ok(())
}

/// Makes sure the QEMU programs are on `PATH`, installing them as root.
fn ensure_qemu() -> Result {
    let missing: Vec<&str> = QEMU_PROGRAMS.into_iter().filter(|program| !on_path(program)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let missing = missing.join(" and ");
    let uid = Cmd::new("id").args(["-u"]).read()?;
    if uid.trim() != "0" {
        return Err(Failure::new(format!(
            "{missing} not installed; as root, run\n{}",
            install_commands()
        )));
    }
    println!("{missing} missing: installing QEMU from bookworm-backports");
    let sources =
        fs::read_to_string(DEBIAN_SOURCES).map_err(|e| Failure::new(format!("cannot read {DEBIAN_SOURCES}: {e}")))?;
    let uri = mirror(&sources).ok_or_else(|| Failure::new(format!("no `URIs:` line in {DEBIAN_SOURCES}")))?;
    fs::write(BACKPORTS_SOURCES, backports_source(uri))
        .map_err(|e| Failure::new(format!("cannot write {BACKPORTS_SOURCES}: {e}")))?;
    Cmd::new("apt-get").args(["update"]).run()?;
    Cmd::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", "-t", "bookworm-backports"])
        .args(QEMU_PACKAGES)
        .run()?;
    match QEMU_PROGRAMS.into_iter().find(|program| !on_path(program)) {
        None => Ok(()),
        Some(program) => Err(Failure::new(format!(
            "installed QEMU, but {program} is still not on PATH"
        ))),
    }
}

/// The first `URIs:` of a deb822 sources file.
fn mirror(sources: &str) -> Option<&str> {
    sources
        .lines()
        .find_map(|line| line.strip_prefix("URIs:"))
        .and_then(|uris| uris.split_whitespace().next())
}

/// The deb822 stanza for bookworm-backports at `uri`.
fn backports_source(uri: &str) -> String {
    format!(
        "Types: deb\nURIs: {uri}\nSuites: bookworm-backports\nComponents: main\n\
         Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
}

/// The shell commands that install QEMU (what a non-root user is told).
fn install_commands() -> String {
    format!(
        "    u=$(awk '/^URIs:/{{print $2; exit}}' {DEBIAN_SOURCES})\n    \
         printf 'Types: deb\\nURIs: %s\\nSuites: bookworm-backports\\nComponents: main\\n\
         Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' \"$u\" > {BACKPORTS_SOURCES}\n    \
         apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports {}",
        QEMU_PACKAGES.join(" ")
    )
}

/// Whether an executable named `program` is in a directory of `PATH`.
fn on_path(program: &str) -> bool {
    env::var_os("PATH").is_some_and(|path| env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_mirror_and_writes_the_backports_stanza() {
        let sources = "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n";
        let uri = mirror(sources).unwrap();
        assert_eq!(uri, "http://deb.debian.org/debian");
        assert!(backports_source(uri).contains("URIs: http://deb.debian.org/debian\nSuites: bookworm-backports\n"));
        assert!(install_commands().contains("-t bookworm-backports qemu-system-arm qemu-system-misc"));
    }
}
