//! The `size` stage (also `cargo xtask size`): every board crate under
//! `boards/` is built with `cargo build --release` (its profile has
//! `opt-level = "s"`, LTO, one codegen unit), `llvm-size` (Berkeley format,
//! from rustup's `llvm-tools` component) measures the ELF, and the stage
//! prints flash (`text + data`) and static RAM (`data + bss`; the stack is
//! the rest of RAM and not counted) per board.
//!
//! Beside the firmware, the stage measures
//! - each static service the board's `size.txt` names (`service NAME
//!   BYTES`): the size of the static of that name in the ELF (`llvm-nm`),
//!   i.e. the RAM of one service — publish-subscribe, request-response or
//!   blackboard — with that board's settings and types (the pub-sub
//!   formula is in the README, "Footprint");
//! - each example under the board's `examples/` (`example NAME FLASH RAM`),
//!   built with `cargo build --release --examples`: the minimal firmwares
//!   that compare iox2 with `heapless::spsc` for the same hand-off.
//!
//! Each figure is compared with the board's `size.txt`: growing more than
//! [`MAX_GROWTH_PERCENT`] over the stored figure fails the stage, naming
//! the file to update on purpose (`cargo xtask size --update` rewrites
//! them, keeping the list of services); shrinking only prints a note.

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

/// What one board's `size.txt` holds (or what was measured for it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Stored {
    /// The firmware.
    board: Option<Figures>,
    /// `(static name, bytes)` of each measured static service.
    services: Vec<(String, u64)>,
    /// `(example name, figures)` of each example.
    examples: Vec<(String, Figures)>,
}

/// Builds and measures every board; fails if one grew too much (or, with
/// `update`, writes the measured figures to every `size.txt`).
pub fn run(update: bool) -> Result {
    let llvm_size = llvm_tool("llvm-size")?;
    let llvm_nm = llvm_tool("llvm-nm")?;
    let boards = crate::qemu::boards()?;
    if boards.is_empty() {
        return Err(Failure::new(
            "no board crate (a directory with Cargo.toml) under boards/",
        ));
    }
    println!(
        "\n{:24} {:>8} {:>7} {:>7} | {:>8} {:>7} | stored flash, RAM",
        "board / example", "text", "data", "bss", "flash", "RAM"
    );
    let mut failures = Vec::new();
    for board in &boards {
        let name = board.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let path = board.join(SIZE_FILE);
        let stored = fs::read_to_string(&path).ok().map(|text| parse_stored(&text));
        let elf = build(board, &name, &["build", "--release"])?
            .pop()
            .ok_or_else(|| Failure::new(format!("cargo built no executable in boards/{name}")))?;
        let mut measured = Stored {
            board: Some(figures_of(&llvm_size, &elf, &name)?.0),
            ..Stored::default()
        };
        let sections = figures_of(&llvm_size, &elf, &name)?.1;
        row(&name, sections, stored.as_ref().and_then(|s| s.board));
        // The services the stored file names, measured in the board's ELF.
        let symbols = Cmd::new(&llvm_nm.to_string_lossy())
            .args(["--print-size", "--demangle", "--radix=d"])
            .args([elf.to_string_lossy().into_owned()])
            .read()?;
        for (service, _) in stored.iter().flat_map(|s| &s.services) {
            let bytes = static_size(&symbols, service)
                .ok_or_else(|| Failure::new(format!("{name}: no static named {service} in {}", elf.display())))?;
            println!("  service {service:16} {bytes:>8} bytes of RAM");
            measured.services.push((service.clone(), bytes));
        }
        if board.join("examples").is_dir() {
            for example in build(board, &name, &["build", "--release", "--examples"])? {
                let example_name = example.file_name().unwrap_or_default().to_string_lossy().into_owned();
                let (figures, sections) = figures_of(&llvm_size, &example, &example_name)?;
                let stored_example = stored
                    .iter()
                    .flat_map(|s| &s.examples)
                    .find(|(n, _)| *n == example_name)
                    .map(|(_, f)| *f);
                row(&format!("  example {example_name}"), sections, stored_example);
                measured.examples.push((example_name, figures));
            }
        }
        if update {
            fs::write(&path, stored_file(&measured))
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
        failures.extend(differences(&name, &path, &stored, &measured));
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

/// One row of the table.
fn row(name: &str, sections: Sections, stored: Option<Figures>) {
    let stored_text = stored.map_or_else(|| "none".to_owned(), |s| format!("{}, {}", s.flash, s.ram));
    println!(
        "{name:24} {:>8} {:>7} {:>7} | {:>8} {:>7} | {stored_text}",
        sections.text,
        sections.data,
        sections.bss,
        sections.flash(),
        sections.ram()
    );
}

/// Flash and RAM of the ELF `elf` (named `name` in errors), and its sections.
fn figures_of(llvm_size: &Path, elf: &Path, name: &str) -> Result<(Figures, Sections)> {
    let berkeley = Cmd::new(&llvm_size.to_string_lossy())
        .args(["--format=berkeley".to_owned(), elf.to_string_lossy().into_owned()])
        .read()?;
    let mut sections = parse_berkeley(&berkeley)
        .ok_or_else(|| Failure::new(format!("cannot read llvm-size's output for {name}:\n{berkeley}")))?;
    // Berkeley counts reserved stack and heap regions (riscv-rt's `.stack`)
    // as bss: they are not static RAM.
    let sysv = Cmd::new(&llvm_size.to_string_lossy())
        .args(["--format=sysv".to_owned(), elf.to_string_lossy().into_owned()])
        .read()?;
    sections.bss = sections.bss.saturating_sub(reserved_bytes(&sysv));
    Ok((
        Figures {
            flash: sections.flash(),
            ram: sections.ram(),
        },
        sections,
    ))
}

/// Every figure of `measured` that grew too much over `stored` (and notes
/// for those that shrank).
fn differences(board: &str, path: &Path, stored: &Stored, measured: &Stored) -> Vec<String> {
    let mut checks: Vec<(String, u64, Option<u64>)> = Vec::new();
    if let Some(figures) = measured.board {
        checks.push((format!("{board}: flash"), figures.flash, stored.board.map(|f| f.flash)));
        checks.push((format!("{board}: RAM"), figures.ram, stored.board.map(|f| f.ram)));
    }
    for (service, bytes) in &measured.services {
        let before = stored.services.iter().find(|(n, _)| n == service).map(|(_, b)| *b);
        checks.push((format!("{board}: service {service}"), *bytes, before));
    }
    for (example, figures) in &measured.examples {
        let before = stored.examples.iter().find(|(n, _)| n == example).map(|(_, f)| *f);
        checks.push((
            format!("{board}: example {example} flash"),
            figures.flash,
            before.map(|f| f.flash),
        ));
        checks.push((
            format!("{board}: example {example} RAM"),
            figures.ram,
            before.map(|f| f.ram),
        ));
    }
    let mut failures = Vec::new();
    for (what, now, before) in checks {
        let Some(before) = before else {
            failures.push(format!(
                "{what}: no stored figure in {}; run `cargo xtask size --update`",
                path.display()
            ));
            continue;
        };
        match compare(now, before) {
            Change::TooMuchGrowth => failures.push(format!(
                "{what} grew from {before} to {now} bytes (more than {MAX_GROWTH_PERCENT}%); \
                 if that is on purpose, update {} (`cargo xtask size --update`)",
                path.display()
            )),
            Change::Shrunk => println!(
                "note: {what} shrank from {before} to {now} bytes; \
                 `cargo xtask size --update` stores the new figure in {}",
                path.display()
            ),
            Change::Within => {}
        }
    }
    failures
}

/// The size of the static `name` (a path ending in `::name`, any crate and
/// module) in `llvm-nm --print-size --demangle --radix=d` output.
fn static_size(symbols: &str, name: &str) -> Option<u64> {
    symbols.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let (_address, size, kind, symbol) = (words.next()?, words.next()?, words.next()?, words.next()?);
        if !matches!(kind, "b" | "B" | "d" | "D") {
            return None;
        }
        // Demangled statics end in `::name::h<hash>`.
        let path = symbol.rsplit_once("::h").map_or(symbol, |(path, _)| path);
        (path == name || path.ends_with(&format!("::{name}"))).then(|| size.parse().ok())?
    })
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

/// `tool` (`llvm-size`, `llvm-nm`) from rustup's `llvm-tools` component.
fn llvm_tool(tool: &str) -> Result<PathBuf> {
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
        .join(format!("{tool}{}", env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(Failure::new(format!(
            "{} is missing; run `rustup component add llvm-tools` (or `cargo xtask test setup`)",
            path.display()
        )))
    }
}

/// `cargo ARGS` (a build) in `board`; returns the paths of the
/// executables cargo reports, in order (so the board's `target-dir` and
/// `CARGO_TARGET_DIR` are honoured).
fn build(board: &Path, name: &str, args: &[&str]) -> Result<Vec<PathBuf>> {
    println!("$ (cd boards/{name} && cargo {})", args.join(" "));
    let output = Command::new("cargo")
        .args(args)
        .arg("--message-format=json-render-diagnostics")
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
    Ok(messages.lines().filter_map(executable).map(PathBuf::from).collect())
}

/// The `"executable"` path of one line of cargo's JSON messages, if any.
fn executable(message: &str) -> Option<&str> {
    const KEY: &str = "\"executable\":\"";
    let start = message.find(KEY)? + KEY.len();
    let rest = &message[start..];
    rest.find('"').map(|end| &rest[..end])
}

/// Bytes of the `.stack` and `.heap` sections in `llvm-size --format=sysv`
/// output (`name size address` rows).
fn reserved_bytes(sysv: &str) -> u64 {
    sysv.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            matches!(name, ".stack" | ".heap").then(|| words.next()?.parse::<u64>().ok())?
        })
        .sum()
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

/// Reads `flash N`, `ram N`, `service NAME N` and `example NAME FLASH RAM`
/// lines (`#` starts a comment).
fn parse_stored(text: &str) -> Stored {
    let (mut flash, mut ram) = (None, None);
    let mut stored = Stored::default();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["flash", n] => flash = n.parse().ok(),
            ["ram", n] => ram = n.parse().ok(),
            ["service", name, n] => {
                if let Ok(n) = n.parse() {
                    stored.services.push(((*name).to_owned(), n));
                }
            }
            ["example", name, f, r] => {
                if let (Ok(flash), Ok(ram)) = (f.parse(), r.parse()) {
                    stored.examples.push(((*name).to_owned(), Figures { flash, ram }));
                }
            }
            _ => {}
        }
    }
    stored.board = flash.zip(ram).map(|(flash, ram)| Figures { flash, ram });
    stored
}

/// The text of a `size.txt`.
fn stored_file(stored: &Stored) -> String {
    let mut text = format!(
        "# Bytes of `cargo build --release` (opt-level \"s\", LTO), checked by `cargo xtask size`:\n\
         # it fails when a figure grows more than {MAX_GROWTH_PERCENT}% over this one.\n\
         # Update on purpose with `cargo xtask size --update`.\n\
         # flash = text + data; ram = data + bss (static RAM, without the stack).\n"
    );
    if let Some(board) = stored.board {
        text += &format!("flash {}\nram {}\n", board.flash, board.ram);
    }
    if !stored.services.is_empty() {
        text += "# service NAME BYTES: the static of a service (its RAM); add a line to measure one.\n";
        for (name, bytes) in &stored.services {
            text += &format!("service {name} {bytes}\n");
        }
    }
    if !stored.examples.is_empty() {
        text += "# example NAME FLASH RAM: each firmware of examples/.\n";
        for (name, figures) in &stored.examples {
            text += &format!("example {name} {} {}\n", figures.flash, figures.ram);
        }
    }
    text
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
        let stored = Stored {
            board: Some(Figures { flash: 9888, ram: 2060 }),
            services: vec![("TELEMETRY".to_owned(), 1728)],
            examples: vec![("minimal".to_owned(), Figures { flash: 100, ram: 20 })],
        };
        assert_eq!(parse_stored(&stored_file(&stored)), stored);
        assert_eq!(parse_stored("flash 1\n").board, None);
    }

    #[test]
    fn stack_and_heap_are_not_static_ram() {
        let sysv = "fw  :\nsection   size        addr\n.text   31000  2147483648\n.bss   2000  2148532224\n\
                    .heap  0  2148534224\n.stack  1046576  2148534224\nTotal  1079576\n";
        assert_eq!(reserved_bytes(sysv), 1_046_576);
    }

    #[test]
    fn finds_a_static_by_name() {
        let symbols = "536874112 1728 b board::firmware::TICKS_SERVICE::h57774254a7d8b336\n\
                       536870912 128 d board::firmware::FREE::h7452\n\
                       1024 96 t board::firmware::TICKS_SERVICE_fn::h1\n";
        assert_eq!(static_size(symbols, "TICKS_SERVICE"), Some(1728));
        assert_eq!(static_size(symbols, "FREE"), Some(128));
        assert_eq!(static_size(symbols, "ICKS_SERVICE"), None);
        assert_eq!(static_size(symbols, "TICKS_SERVICE_fn"), None);
    }

    #[test]
    fn reports_growth_and_missing_figures() {
        let stored = parse_stored("flash 1000\nram 100\nservice S 500\n");
        let measured = Stored {
            board: Some(Figures { flash: 1050, ram: 200 }),
            services: vec![("S".to_owned(), 500)],
            examples: vec![("e".to_owned(), Figures { flash: 1, ram: 1 })],
        };
        let failures = differences("b", Path::new("size.txt"), &stored, &measured);
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert!(failures[0].starts_with("b: RAM grew from 100 to 200"));
        assert!(failures[1].contains("example e flash: no stored figure"));
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
