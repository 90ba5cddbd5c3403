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
const NO_STD_CRATES: [&str; 6] = ["-p", "iox2-core", "-p", "iox2-platform", "-p", "iox2-embedded"];

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

/// The crates with loom models (`tests/loom_*.rs`).
const LOOM_CRATES: [&str; 2] = ["iox2-core", "iox2-platform"];

/// Loom: every crate's models must pass; then the core's models again under
/// `--cfg iox2_weaken_release` (the core's publish ordering weakened to
/// Relaxed), where they are `should_panic` and pass only if loom catches it.
pub fn loom() -> Result {
    let preemptions = env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| LOOM_MAX_PREEMPTIONS.to_owned());
    for krate in LOOM_CRATES {
        run_loom_models(krate, "--cfg iox2_loom", "target/loom", &preemptions)?;
    }
    run_loom_models(
        "iox2-core",
        "--cfg iox2_loom --cfg iox2_weaken_release",
        "target/loom-weak",
        &preemptions,
    )
}

/// Runs `krate`'s loom models with `rustflags` in `target_dir`.
fn run_loom_models(krate: &str, rustflags: &str, target_dir: &str, preemptions: &str) -> Result {
    let models = loom_models(krate)?;
    println!("loom models of {krate}: {}", models.join(", "));
    let mut test = cargo(["test", "-p", krate, "--release"]);
    for model in &models {
        test = test.args(["--test", model]);
    }
    test.env("RUSTFLAGS", rustflags)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("LOOM_MAX_PREEMPTIONS", preemptions)
        .run()
}

/// The names of `krate`'s loom test targets: the files `<krate>/tests/loom_*.rs`.
/// None at all is a failure, never a silent pass.
fn loom_models(krate: &str) -> Result<Vec<String>> {
    let dir = workspace_root().join(krate).join("tests");
    let entries = fs::read_dir(&dir).map_err(|e| {
        Failure::new(format!(
            "no loom models: cannot read {} ({e}); expected {krate}/tests/loom_*.rs",
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
