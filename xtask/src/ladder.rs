//! The test ladder: the stages of `cargo xtask test`, cheapest first, each
//! timed, stopping at the first failure.
//!
//! A stage is one function in [`crate::stages`] (or its own module) plus
//! one row in [`LADDER`].

use core::time::Duration;
use std::time::Instant;

use clap::builder::PossibleValuesParser;

use crate::{Failure, Result, lint, qemu, setup, size, stages};

/// One rung of the ladder.
struct Stage {
    name: &'static str,
    about: &'static str,
    run: fn() -> Result,
}

/// Every stage, in the order they run.
const LADDER: &[Stage] = &[
    Stage {
        name: "setup",
        about: "install missing rustup targets and components (stable: 3 no_std targets + thumbv7m for boards/, clippy, rustfmt, llvm-tools; nightly: miri, rust-src)",
        run: setup::run,
    },
    Stage {
        name: "fmt",
        about: "cargo fmt --all --check",
        run: stages::fmt,
    },
    Stage {
        name: "lint",
        about: "source checks: atomics of iox2-core and iox2-platform come from their loom-switchable sync module",
        run: lint::atomics_through_sync,
    },
    Stage {
        name: "clippy",
        about: "clippy -D warnings: the workspace (all targets), then core + platform for thumbv6m-none-eabi",
        run: stages::clippy,
    },
    Stage {
        name: "nostd",
        about: "build core + platform (no default features) for thumbv6m, thumbv7em, riscv32imac, and thumbv6m with critical-section",
        run: stages::nostd,
    },
    Stage {
        name: "qemu",
        about: "run each boards/<board> firmware in QEMU (cargo run --release) and compare its stdout with expected.txt",
        run: qemu::run,
    },
    Stage {
        name: "size",
        about: "build each boards/<board> (release, opt-level s), llvm-size it; fail if flash or RAM grew >10% over boards/<board>/size.txt",
        run: size::check,
    },
    Stage {
        name: "unit",
        about: "cargo test --workspace (unit, integration and doc tests; dev profile)",
        run: stages::unit,
    },
    Stage {
        name: "loom",
        about: "loom models of iox2-core and iox2-platform (tests/loom_*.rs) must pass; the core's must fail under --cfg iox2_weaken_release",
        run: stages::loom,
    },
    Stage {
        name: "miri",
        about: "cargo +nightly miri test -p iox2-core --lib",
        run: stages::miri,
    },
];

/// The stage names, for the command line's parser.
pub fn stage_names() -> PossibleValuesParser {
    PossibleValuesParser::new(LADDER.iter().map(|stage| stage.name))
}

/// Prints every stage with what it does.
pub fn print_list() {
    let width = LADDER.iter().map(|stage| stage.name.len()).max().unwrap_or(0);
    for stage in LADDER {
        println!("{:width$}  {}", stage.name, stage.about);
    }
}

/// Runs the named stages (all when `names` is empty) in ladder order and
/// stops at the first failure.
pub fn run(names: &[String]) -> Result {
    let selected: Vec<&Stage> = LADDER
        .iter()
        .filter(|stage| names.is_empty() || names.iter().any(|name| name == stage.name))
        .collect();
    let started = Instant::now();
    let mut times = Vec::new();
    for (number, stage) in selected.iter().enumerate() {
        println!(
            "\n==> [{}/{}] {}: {}",
            number + 1,
            selected.len(),
            stage.name,
            stage.about
        );
        let stage_started = Instant::now();
        let outcome = (stage.run)();
        let took = stage_started.elapsed();
        times.push((stage.name, took));
        if let Err(failure) = outcome {
            println!("<== {} FAILED after {}", stage.name, duration(took));
            print_summary(&times, started.elapsed());
            return Err(Failure::new(format!("stage `{}` failed: {failure}", stage.name)));
        }
        println!("<== {} passed in {}", stage.name, duration(took));
    }
    print_summary(&times, started.elapsed());
    Ok(())
}

fn print_summary(times: &[(&str, Duration)], total: Duration) {
    println!("\nstage times:");
    for (name, took) in times {
        println!("  {name:8} {:>9}", duration(*took));
    }
    println!("  {:8} {:>9}", "total", duration(total));
}

/// `1.2 s` below a minute, `3m 07s` above.
fn duration(took: Duration) -> String {
    let seconds = took.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{}m {:02}s", took.as_secs() / 60, took.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_are_unique() {
        for (i, stage) in LADDER.iter().enumerate() {
            assert!(
                LADDER[i + 1..].iter().all(|other| other.name != stage.name),
                "{}",
                stage.name
            );
        }
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(Duration::from_millis(1234)), "1.2 s");
        assert_eq!(duration(Duration::from_secs(187)), "3m 07s");
    }
}
