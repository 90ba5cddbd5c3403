//! The stages of the ladder after `setup`: one function each, each a few
//! cargo commands run from the workspace root.

use std::{env, fs};

use crate::cmd::{Cmd, workspace_root};
use crate::{Failure, Result};

/// The bare-metal targets the `no_std` crates must build for.
pub const NO_STD_TARGETS: &[&str] = &[
    "thumbv6m-none-eabi",
    "thumbv7em-none-eabihf",
    "riscv32imac-unknown-none-elf",
];

/// The `no_std` crates, as `-p` arguments.
const NO_STD_CRATES: [&str; 4] = ["-p", "iox2-core", "-p", "iox2-platform"];

/// Loom's preemption bound unless `LOOM_MAX_PREEMPTIONS` is already set.
const LOOM_MAX_PREEMPTIONS: &str = "3";

/// Miri's flags unless `MIRIFLAGS` is already set.
const MIRIFLAGS: &str = "-Zmiri-strict-provenance";

fn cargo<const N: usize>(args: [&str; N]) -> Cmd {
    Cmd::new("cargo").args(args)
}

/// `cargo fmt --all --check`.
pub fn fmt() -> Result {
    cargo(["fmt", "--all", "--check"]).run()
}

/// Clippy with warnings denied: every workspace member and target on the
/// host, then the `no_std` crates as a Cortex-M0 sees them.
pub fn clippy() -> Result {
    cargo(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]).run()?;
    cargo(["clippy"])
        .args(NO_STD_CRATES)
        .args([
            "--no-default-features",
            "--target",
            NO_STD_TARGETS[0],
            "--",
            "-D",
            "warnings",
        ])
        .run()
}

/// Builds the `no_std` crates for every bare-metal target, and for
/// thumbv6m (no compare-and-swap) once more with the `critical-section`
/// read-modify-write backend.
pub fn nostd() -> Result {
    for target in NO_STD_TARGETS {
        cargo(["build"])
            .args(NO_STD_CRATES)
            .args(["--no-default-features", "--target", target])
            .run()?;
    }
    cargo(["build"])
        .args(NO_STD_CRATES)
        .args(["--no-default-features", "--features", "iox2-platform/critical-section"])
        .args(["--target", NO_STD_TARGETS[0]])
        .run()
}

/// `cargo test --workspace`: unit, integration and doc tests of every
/// default member, xtask and the bench crate.
///
/// The dev profile on purpose: one compilation of the workspace is most of
/// this stage's time on CI's two cores, and `--release` would add a second
/// one. The stress tests get their speed from the root `Cargo.toml`, which
/// optimises `iox2-core` even in the dev profile.
pub fn unit() -> Result {
    cargo(["test", "--workspace"]).run()
}

/// The loom models (`iox2-core/tests/loom_*.rs`), twice: as written they
/// must pass; under `--cfg iox2_weaken_release` (one Release weakened to
/// Relaxed) every model is `#[should_panic]`, so that run passes only when
/// loom catches the planted bug. Each run has its own target directory
/// because its `--cfg` rebuilds everything.
pub fn loom() -> Result {
    let models = loom_models()?;
    println!("loom models: {}", models.join(", "));
    let preemptions = env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| LOOM_MAX_PREEMPTIONS.to_owned());
    let runs = [
        ("--cfg iox2_loom", "target/loom"),
        ("--cfg iox2_loom --cfg iox2_weaken_release", "target/loom-weak"),
    ];
    for (rustflags, target_dir) in runs {
        let mut test = cargo(["test", "-p", "iox2-core", "--release"]);
        for model in &models {
            test = test.args(["--test", model]);
        }
        test.env("RUSTFLAGS", rustflags)
            .env("CARGO_TARGET_DIR", target_dir)
            .env("LOOM_MAX_PREEMPTIONS", &preemptions)
            .run()?;
    }
    Ok(())
}

/// The names of the loom test targets: the files `iox2-core/tests/loom_*.rs`.
/// None at all is a failure, never a silent pass.
fn loom_models() -> Result<Vec<String>> {
    let dir = workspace_root().join("iox2-core/tests");
    let entries = fs::read_dir(&dir).map_err(|e| {
        Failure::new(format!(
            "no loom models: cannot read {} ({e}); expected iox2-core/tests/loom_*.rs",
            dir.display()
        ))
    })?;
    let mut models: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| Some(name.strip_suffix(".rs")?.to_owned()))
        .filter(|name| name.starts_with("loom_"))
        .collect();
    models.sort();
    if models.is_empty() {
        return Err(Failure::new(format!(
            "no loom models: no loom_*.rs file in {}",
            dir.display()
        )));
    }
    Ok(models)
}

/// Miri over the core's unit tests (nightly), in its own target directory.
pub fn miri() -> Result {
    let flags = env::var("MIRIFLAGS").unwrap_or_else(|_| MIRIFLAGS.to_owned());
    cargo(["+nightly", "miri", "test", "-p", "iox2-core", "--lib"])
        .env("CARGO_TARGET_DIR", "target/miri")
        .env("MIRIFLAGS", &flags)
        .run()
}
