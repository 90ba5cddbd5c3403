//! `iox2 config show|generate`: the configuration in force (the
//! `--config` file, or the first found) or the built-in one, and a
//! commented file of the defaults.

use super::output::emit;
use super::{CliError, Context};
use clap::{Subcommand, ValueEnum};
use iox2_host::config::{Config, ConfigSource, LOCAL_PATH, user_path_from_env};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Show the configuration: the built-in defaults (`system`) or the one
    /// in effect here (`current`, the default: the `--config` file, or the
    /// first file found), with the file it came from.
    Show {
        #[arg(value_enum, default_value_t = Which::Current)]
        which: Which,
    },
    /// Write a commented file of the defaults: `config/iox2.toml` here
    /// (`local`, the default) or the user's (`global`:
    /// `$XDG_CONFIG_HOME/iox2/iox2.toml` or `$HOME/.config/iox2/iox2.toml`).
    Generate {
        #[arg(value_enum, default_value_t = Target::Local)]
        target: Target,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Which {
    /// The built-in defaults.
    System,
    /// The configuration loaded from the first file found, or the defaults.
    Current,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Target {
    /// `config/iox2.toml` in the current directory.
    Local,
    /// The user's configuration file.
    Global,
}

/// What `config show` prints.
#[derive(Debug, Serialize)]
struct Shown {
    /// The file, or `built-in defaults`.
    source: String,
    config: Config,
}

/// What `config generate` prints.
#[derive(Debug, Serialize)]
struct Generated {
    written: PathBuf,
}

pub(crate) fn run(command: ConfigCommand, context: &Context) -> Result<(), CliError> {
    let format = context.format;
    match command {
        ConfigCommand::Show { which } => {
            let (config, source) = match which {
                Which::System => (Config::system(), ConfigSource::Defaults),
                Which::Current => context.config()?,
            };
            let shown = Shown {
                source: source.to_string(),
                config,
            };
            emit(format, &shown, || {
                Ok(format!(
                    "# source: {}\n\n{}",
                    shown.source,
                    toml::to_string_pretty(&shown.config)?
                ))
            })
        }
        ConfigCommand::Generate { target, force } => {
            let path = match target {
                Target::Local => PathBuf::from(LOCAL_PATH),
                Target::Global => {
                    user_path_from_env().ok_or_else(|| CliError("neither XDG_CONFIG_HOME nor HOME is set".into()))?
                }
            };
            write_new(&path, &Config::system().to_commented_toml(), force)?;
            let generated = Generated { written: path };
            emit(format, &generated, || {
                Ok(format!("wrote {}", generated.written.display()))
            })
        }
    }
}

/// Writes `text` to `path`, creating its directory; refuses to replace an
/// existing file unless `force`.
fn write_new(path: &PathBuf, text: &str, force: bool) -> Result<(), CliError> {
    let fail = |what: &str, e: std::io::Error| CliError(format!("{}: cannot {what}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail("create its directory", e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError(format!("{} exists; pass --force to overwrite it", path.display()))
        } else {
            fail("create", e)
        }
    })?;
    file.write_all(text.as_bytes()).map_err(|e| fail("write", e))
}
