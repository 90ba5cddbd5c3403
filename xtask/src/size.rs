//! The `size` stage (also `cargo xtask size`): every board crate under
//! `boards/` is built with `cargo build --release` (its profile has
//! `opt-level = "s"`, LTO, one codegen unit), `llvm-size` (Berkeley format,
//! from rustup's `llvm-tools` component) measures the ELF, and the stage
//! prints flash (`text + data`) and static RAM (`data + bss`; the stack is
//! the rest of RAM and not counted) per board.
//!
//! Each figure is compared with the board's `size.txt`: growing more than
//! [`MAX_GROWTH_PERCENT`] over the stored figure fails the stage, naming
//! the file to update on purpose (`cargo xtask size --update` rewrites
//! them); shrinking only prints a note.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::{env, fs};

use crate::cmd::Cmd;
use crate::{Failure, Result};

/// How much a figure may grow over the stored one before the stage fails.
pub const MAX_GROWTH_PERCENT: u64 = 10;

/// The stored figures of a board, next to its `Cargo.toml`.
const SIZE_FILE: &str = "size.txt";

/// Sections of one ELF as `llvm-size` (Berkeley format) counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sections {
    text: u64,
    data: u64,
    bss: u64,
}

impl Sections {
    /// Bytes in flash: code and read-only data, plus the initial values of `.data`.
    fn flash(self) -> u64 {
        self.text + self.data
    }

    /// Bytes of static RAM: `.data` and `.bss`.
    fn ram(self) -> u64 {
        self.data + self.bss
    }
}

/// Flash and RAM bytes of one board (measured or stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Figures {
    flash: u64,
    ram: u64,
}

/// The ladder's `size` stage: [`run`] without updating.
pub fn check() -> Result {
    run(false)
}

/// Builds and measures every board; fails if one grew too much (or, with
/// `update`, writes the measured figures to every `size.txt`).
pub fn run(update: bool) -> Result {
    let llvm_size = llvm_size()?;
    let boards = crate::qemu::boards()?;
    if boards.is_empty() {
        return Err(Failure::new(
            "no board crate (a directory with Cargo.toml) under boards/",
        ));
    }
    let mut rows = Vec::new();
    for board in &boards {
        let name = board.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let elf = build(board, &name)?;
        let berkeley = Cmd::new(&llvm_size.to_string_lossy())
            .args(["--format=berkeley".to_owned(), elf.to_string_lossy().into_owned()])
            .read()?;
        let sections = parse_berkeley(&berkeley)
            .ok_or_else(|| Failure::new(format!("cannot read llvm-size's output for {name}:\n{berkeley}")))?;
        rows.push((name, board.join(SIZE_FILE), sections));
    }

    println!(
        "\n{:14} {:>8} {:>7} {:>7} | {:>8} {:>7} | stored flash, RAM",
        "board", "text", "data", "bss", "flash", "RAM"
    );
    let mut failures = Vec::new();
    for (name, path, sections) in &rows {
        let measured = Figures {
            flash: sections.flash(),
            ram: sections.ram(),
        };
        let stored = fs::read_to_string(path).ok().and_then(|text| parse_figures(&text));
        let stored_text = stored.map_or_else(|| "none".to_owned(), |s| format!("{}, {}", s.flash, s.ram));
        println!(
            "{name:14} {:>8} {:>7} {:>7} | {:>8} {:>7} | {stored_text}",
            sections.text, sections.data, sections.bss, measured.flash, measured.ram
        );
        if update {
            fs::write(path, figures_file(measured))
                .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
            continue;
        }
        let Some(stored) = stored else {
            failures.push(format!(
                "{}: missing or unreadable; run `cargo xtask size --update` to store the figures",
                path.display()
            ));
            continue;
        };
        for (what, now, before) in [
            ("flash", measured.flash, stored.flash),
            ("RAM", measured.ram, stored.ram),
        ] {
            match compare(now, before) {
                Change::TooMuchGrowth => failures.push(format!(
                    "{name}: {what} grew from {before} to {now} bytes (more than {MAX_GROWTH_PERCENT}%); \
                     if that is on purpose, update {} (`cargo xtask size --update`)",
                    path.display()
                )),
                Change::Shrunk => println!(
                    "note: {name}: {what} shrank from {before} to {now} bytes; \
                     `cargo xtask size --update` stores the new figure in {}",
                    path.display()
                ),
                Change::Within => {}
            }
        }
    }
    if update {
        println!("stored the figures in boards/*/{SIZE_FILE}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(failures.join("\n")))
    }
}

/// How a measured figure relates to the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// More than [`MAX_GROWTH_PERCENT`] above the stored figure.
    TooMuchGrowth,
    /// Below the stored figure.
    Shrunk,
    /// Equal, or grown by at most [`MAX_GROWTH_PERCENT`].
    Within,
}

fn compare(now: u64, before: u64) -> Change {
    if now * 100 > before * (100 + MAX_GROWTH_PERCENT) {
        Change::TooMuchGrowth
    } else if now < before {
        Change::Shrunk
    } else {
        Change::Within
    }
}

/// `llvm-size` from rustup's `llvm-tools` component.
fn llvm_size() -> Result<PathBuf> {
    let sysroot = Cmd::new("rustc").args(["--print", "sysroot"]).read()?;
    let version = Cmd::new("rustc").args(["-vV"]).read()?;
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .ok_or_else(|| Failure::new("`rustc -vV` printed no `host:` line"))?;
    let path = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host)
        .join("bin")
        .join(format!("llvm-size{}", env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(Failure::new(format!(
            "{} is missing; run `rustup component add llvm-tools` (or `cargo xtask test setup`)",
            path.display()
        )))
    }
}

/// `cargo build --release` in `board`; returns the path of the ELF cargo
/// reports (so the board's `target-dir` and `CARGO_TARGET_DIR` are honoured).
fn build(board: &Path, name: &str) -> Result<PathBuf> {
    println!("$ (cd boards/{name} && cargo build --release)");
    let output = Command::new("cargo")
        .args(["build", "--release", "--message-format=json-render-diagnostics"])
        .current_dir(board)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::new(format!("cannot start cargo in boards/{name}: {e}")))?;
    if !output.status.success() {
        return Err(Failure::new(format!(
            "building board {name} failed ({})",
            output.status
        )));
    }
    let messages = String::from_utf8_lossy(&output.stdout);
    messages
        .lines()
        .filter_map(executable)
        .next_back()
        .map(PathBuf::from)
        .ok_or_else(|| Failure::new(format!("cargo built no executable in boards/{name}")))
}

/// The `"executable"` path of one line of cargo's JSON messages, if any.
fn executable(message: &str) -> Option<&str> {
    const KEY: &str = "\"executable\":\"";
    let start = message.find(KEY)? + KEY.len();
    let rest = &message[start..];
    rest.find('"').map(|end| &rest[..end])
}

/// The first row of `llvm-size --format=berkeley`: `text data bss dec hex filename`.
fn parse_berkeley(output: &str) -> Option<Sections> {
    let row = output.lines().map(str::trim).find(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|word| word.bytes().all(|b| b.is_ascii_digit()))
    })?;
    let mut numbers = row.split_whitespace().map(str::parse::<u64>);
    Some(Sections {
        text: numbers.next()?.ok()?,
        data: numbers.next()?.ok()?,
        bss: numbers.next()?.ok()?,
    })
}

/// Reads `flash N` and `ram N` lines (`#` starts a comment).
fn parse_figures(text: &str) -> Option<Figures> {
    let (mut flash, mut ram) = (None, None);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        match (words.next(), words.next().map(str::parse::<u64>)) {
            (Some("flash"), Some(Ok(n))) => flash = Some(n),
            (Some("ram"), Some(Ok(n))) => ram = Some(n),
            _ => {}
        }
    }
    Some(Figures {
        flash: flash?,
        ram: ram?,
    })
}

/// The text of a `size.txt`.
fn figures_file(figures: Figures) -> String {
    format!(
        "# Bytes of `cargo build --release` (opt-level \"s\", LTO), checked by `cargo xtask size`:\n\
         # it fails when a figure grows more than {MAX_GROWTH_PERCENT}% over this one.\n\
         # Update on purpose with `cargo xtask size --update`.\n\
         # flash = text + data; ram = data + bss (static RAM, without the stack).\n\
         flash {}\nram {}\n",
        figures.flash, figures.ram
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_berkeley_output() {
        let output = "   text\t   data\t    bss\t    dec\t    hex\tfilename\n   \
                      9876\t     12\t   2048\t  11936\t   2ea0\tfirmware\n";
        let sections = parse_berkeley(output).unwrap();
        assert_eq!(
            sections,
            Sections {
                text: 9876,
                data: 12,
                bss: 2048
            }
        );
        assert_eq!((sections.flash(), sections.ram()), (9888, 2060));
        assert_eq!(parse_berkeley("text data bss\n"), None);
    }

    #[test]
    fn stored_figures_round_trip() {
        let figures = Figures { flash: 9888, ram: 2060 };
        assert_eq!(parse_figures(&figures_file(figures)), Some(figures));
        assert_eq!(parse_figures("flash 1\n"), None);
    }

    #[test]
    fn growth_over_ten_percent_fails() {
        assert_eq!(compare(1100, 1000), Change::Within);
        assert_eq!(compare(1101, 1000), Change::TooMuchGrowth);
        assert_eq!(compare(999, 1000), Change::Shrunk);
        assert_eq!(compare(1000, 1000), Change::Within);
    }

    #[test]
    fn finds_the_executable_in_cargo_messages() {
        let line = r#"{"reason":"compiler-artifact","filenames":["/t/fw"],"executable":"/t/fw","fresh":true}"#;
        assert_eq!(executable(line), Some("/t/fw"));
        assert_eq!(executable(r#"{"reason":"build-finished","success":true}"#), None);
    }
}
