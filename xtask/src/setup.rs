//! The `setup` stage: make sure the rustup targets and components the other
//! stages need are installed, installing what is missing. Fast (a few
//! `rustup ... list` calls) when everything is present.

use std::env;

use crate::cmd::Cmd;
use crate::qemu::BOARD_TARGETS;
use crate::stages::NO_STD_TARGETS;
use crate::{Failure, Result};

/// Components of the toolchain plain `cargo` runs (stable); `llvm-tools`
/// provides the `llvm-size` of the `size` stage.
const STABLE_COMPONENTS: &[&str] = &["clippy", "rustfmt", "llvm-tools"];

/// Components of the nightly toolchain (for `cargo +nightly miri`).
const NIGHTLY_COMPONENTS: &[&str] = &["miri", "rust-src"];

/// What a human runs when rustup itself is missing.
const INSTALL_RUSTUP: &str = "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y";

/// Checks rustup and nightly, then adds missing targets and components.
pub fn run() -> Result {
    if !on_path("rustup") {
        return Err(Failure::new(format!(
            "rustup is not installed; install it with\n    {INSTALL_RUSTUP}\nthen run `cargo xtask test setup` again"
        )));
    }
    let host = host_triple()?;
    let nightly = format!("nightly-{host}");
    let toolchains = Cmd::new("rustup").args(["toolchain", "list"]).read()?;
    if !toolchains
        .lines()
        .any(|line| line.split_whitespace().next() == Some(nightly.as_str()))
    {
        return Err(Failure::new(format!(
            "the nightly toolchain is not installed; install it with\n    \
             rustup toolchain install nightly --profile minimal --component {}\n\
             then run `cargo xtask test setup` again",
            NIGHTLY_COMPONENTS.join(",")
        )));
    }

    let installed = Cmd::new("rustup").args(["target", "list", "--installed"]).read()?;
    let missing: Vec<&str> = NO_STD_TARGETS
        .iter()
        .chain(BOARD_TARGETS)
        .copied()
        .filter(|target| !installed.lines().any(|line| line.trim() == *target))
        .collect();
    install_missing(Cmd::new("rustup").args(["target", "add"]), &missing)?;

    for (toolchain, components) in [(None, STABLE_COMPONENTS), (Some("+nightly"), NIGHTLY_COMPONENTS)] {
        let rustup = || Cmd::new("rustup").args(toolchain);
        let installed = rustup().args(["component", "list", "--installed"]).read()?;
        let missing: Vec<&str> = components
            .iter()
            .copied()
            .filter(|component| !has_component(&installed, component, &host))
            .collect();
        install_missing(rustup().args(["component", "add"]), &missing)?;
    }
    println!(
        "present: targets {}, {}; stable components {}; nightly ({nightly}) components {}",
        NO_STD_TARGETS.join(", "),
        BOARD_TARGETS.join(", "),
        STABLE_COMPONENTS.join(", "),
        NIGHTLY_COMPONENTS.join(", "),
    );
    Ok(())
}

/// Runs `install` with the missing names appended, unless none is missing.
fn install_missing(install: Cmd, missing: &[&str]) -> Result {
    if missing.is_empty() {
        Ok(())
    } else {
        install.args(missing.iter().copied()).run()
    }
}

/// Whether `rustup component list --installed` output names `component`
/// (listed as `clippy-x86_64-unknown-linux-gnu`, or bare like `rust-src`).
fn has_component(installed: &str, component: &str, host: &str) -> bool {
    installed.lines().map(str::trim).any(|line| {
        line == component || line.strip_prefix(component).and_then(|rest| rest.strip_prefix('-')) == Some(host)
    })
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Result<String> {
    let version = Cmd::new("rustc").args(["-vV"]).read()?;
    version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| Failure::new(format!("`rustc -vV` printed no `host:` line:\n{version}")))
}

/// Whether an executable named `program` is in a directory of `PATH`.
fn on_path(program: &str) -> bool {
    env::var_os("PATH").is_some_and(|path| env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_components_with_and_without_host_suffix() {
        let host = "x86_64-unknown-linux-gnu";
        let installed = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\nrust-src\n";
        assert!(has_component(installed, "clippy", host));
        assert!(has_component(installed, "rust-src", host));
        assert!(!has_component(installed, "rustfmt", host));
        assert!(!has_component(installed, "rust", host));
        assert!(has_component(
            "llvm-tools-x86_64-unknown-linux-gnu\n",
            "llvm-tools",
            host
        ));
    }
}
