//! `iox2 service discovery`: runs `iox2_host::discovery::Discovery` as a
//! process until SIGINT/SIGTERM, printing each change it publishes; with
//! `--snapshot`, asks a running one for the set of services instead.

use super::decode::{change_value, entry_value};
use super::output::{emit, emit_item};
use super::{CliError, Context};
use clap::Args;
use core::time::Duration;
use iox2_host::discovery::{ChangeKind, Discovery, DiscoveryClient};
use serde_json::json;

#[derive(Debug, Args)]
pub(crate) struct DiscoveryArgs {
    /// Milliseconds between two looks at the services.
    #[arg(short, long, default_value_t = 100, value_name = "MS")]
    interval: u64,
    /// Do not run a discovery service: ask the running one for the set of
    /// services, print it and exit.
    #[arg(long)]
    snapshot: bool,
}

pub(crate) fn run(args: &DiscoveryArgs, context: &Context) -> Result<(), CliError> {
    if args.interval == 0 {
        return Err(CliError(String::from("--interval must be at least 1 ms")));
    }
    if args.snapshot {
        return snapshot(context);
    }
    let node = context.node("iox2-discovery")?;
    let mut discovery = Discovery::create(&node)?;
    eprintln!("iox2: discovery runs (SIGINT or SIGTERM to stop)");
    let mut output_open = true;
    let format = context.format;
    discovery.run(Duration::from_millis(args.interval), |change| {
        if !output_open {
            return;
        }
        let sign = match change.kind() {
            Some(ChangeKind::Added) => '+',
            Some(ChangeKind::Removed) => '-',
            None => '?',
        };
        let entry = &change.entry;
        let pattern = entry.pattern().map_or("?", |p| p.name());
        // A failed write ends the output, never the service.
        output_open = emit_item(format, &change_value(change), || {
            format!(
                "{sign} {}  ({pattern}, {})  generation {}",
                entry.name(),
                entry.payload.name().as_str(),
                change.generation
            )
        })
        .unwrap_or(false);
    })?;
    Ok(())
}

fn snapshot(context: &Context) -> Result<(), CliError> {
    let node = context.node("iox2-discovery-client")?;
    let client = DiscoveryClient::create(&node)?;
    let snapshot = client.snapshot(Duration::from_secs(2))?;
    let value = json!({
        "generation": snapshot.generation,
        "services": snapshot.services.iter().map(entry_value).collect::<Vec<_>>(),
    });
    emit(context.format, &value, || {
        let mut out = format!("generation {}\n", snapshot.generation);
        for entry in &snapshot.services {
            out += &format!(
                "{}  ({}, {})\n",
                entry.name(),
                entry.pattern().map_or("?", |p| p.name()),
                entry.payload.name().as_str()
            );
        }
        Ok(out)
    })
}
