//! The `iox2` binary: config show/generate in every format, errors without
//! panics, and `service list` finding a service created in this process.
//!
//! Each run gets its own current directory and `XDG_CONFIG_HOME`/`HOME`
//! through `Command`, so the tests never touch this process's environment.

use iox2_host::core::service::ServiceName;
use iox2_host::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iox2-cli-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("xdg")).unwrap();
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::fs::create_dir_all(dir.join("cwd")).unwrap();
    dir
}

/// Runs `iox2 args` in `dir/cwd`, with the user's config under `dir/xdg`.
fn iox2(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iox2"))
        .args(args)
        .current_dir(dir.join("cwd"))
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("HOME", dir.join("home"))
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "iox2 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output)).unwrap()
}

fn assert_clean_failure(output: &Output, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "expected failure, stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    stderr
}

#[test]
fn config_show_system_in_every_format() {
    let dir = scratch("show-system");
    let value = json(&iox2(&dir, &["-f", "json", "config", "show", "system"]));
    assert_eq!(value["source"], "built-in defaults");
    let pubsub = &value["config"]["publish_subscribe"];
    assert_eq!(pubsub["max_publishers"], 2);
    assert_eq!(pubsub["max_subscribers"], 8);
    assert_eq!(pubsub["safe_overflow"], true);

    let yaml = stdout(&iox2(&dir, &["config", "show", "system", "--format", "yaml"]));
    assert!(yaml.contains("max_nodes: 20"), "{yaml}");
    let ron = stdout(&iox2(&dir, &["-f", "ron", "config", "show", "system"]));
    assert!(ron.contains("max_nodes: 20"), "{ron}");
    let human = stdout(&iox2(&dir, &["config", "show", "system"]));
    assert!(
        human.contains("[publish_subscribe]") && human.contains("max_nodes = 20"),
        "{human}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_show_current_prefers_local_over_user() {
    let dir = scratch("show-current");
    let value = json(&iox2(&dir, &["-f", "json", "config", "show"]));
    // The system file may exist on this machine; with none, the defaults.
    if !Path::new("/etc/iox2/iox2.toml").exists() {
        assert_eq!(value["source"], "built-in defaults");
    }

    let user = dir.join("xdg/iox2/iox2.toml");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, "[node]\nname = \"user\"\n").unwrap();
    let value = json(&iox2(&dir, &["-f", "json", "config", "show", "current"]));
    assert_eq!(value["source"], user.display().to_string());
    assert_eq!(value["config"]["node"]["name"], "user");

    let local = dir.join("cwd/config/iox2.toml");
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    std::fs::write(&local, "[publish_subscribe]\nmax_publishers = 5\n").unwrap();
    let value = json(&iox2(&dir, &["-f", "json", "config", "show", "current"]));
    assert!(
        value["source"].as_str().unwrap().ends_with("config/iox2.toml"),
        "{value}"
    );
    assert_eq!(value["config"]["publish_subscribe"]["max_publishers"], 5);
    assert_eq!(value["config"]["node"]["name"], "");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_errors_name_the_file_and_exit_non_zero() {
    let dir = scratch("show-error");
    let local = dir.join("cwd/config/iox2.toml");
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    std::fs::write(&local, "[publish_subscribe]\nhistory = 0\nhistroy = 1\n").unwrap();
    let stderr = assert_clean_failure(&iox2(&dir, &["config", "show"]), "config/iox2.toml:3:");
    assert!(stderr.contains("publish_subscribe.histroy"), "{stderr}");
    // `system` does not read any file.
    stdout(&iox2(&dir, &["config", "show", "system"]));
    // Bad arguments: clap's message, no panic.
    assert_clean_failure(&iox2(&dir, &["config", "show", "bogus"]), "bogus");
    assert_clean_failure(&iox2(&dir, &["-f", "xml", "config", "show"]), "xml");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_generate_local_and_global_refuse_to_overwrite() {
    let dir = scratch("generate");
    let value = json(&iox2(&dir, &["-f", "json", "config", "generate"]));
    assert_eq!(value["written"], "config/iox2.toml");
    let local = dir.join("cwd/config/iox2.toml");
    let text = std::fs::read_to_string(&local).unwrap();
    assert!(text.starts_with("# iox2 configuration."), "{text}");
    assert_eq!(
        iox2_host::config::Config::from_path(&local).unwrap(),
        iox2_host::config::Config::default()
    );

    std::fs::write(&local, "# mine\n").unwrap();
    assert_clean_failure(&iox2(&dir, &["config", "generate", "local"]), "--force");
    assert_eq!(std::fs::read_to_string(&local).unwrap(), "# mine\n");
    let human = stdout(&iox2(&dir, &["config", "generate", "local", "--force"]));
    assert!(human.starts_with("wrote "), "{human}");
    assert_eq!(std::fs::read_to_string(&local).unwrap(), text);

    stdout(&iox2(&dir, &["config", "generate", "global"]));
    let global = dir.join("xdg/iox2/iox2.toml");
    assert_eq!(std::fs::read_to_string(&global).unwrap(), text);
    assert_clean_failure(&iox2(&dir, &["config", "generate", "global"]), "exists");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn service_list_finds_a_service_of_this_process() {
    let dir = scratch("service-list");
    let name = format!("test/cli/list/{}", std::process::id());
    let node = NodeBuilder::new().name("cli-test").unwrap().create::<Linux>().unwrap();
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .history(1)
        .max_publishers(3)
        .open_or_create()
        .unwrap();
    let hash = format!("{:016x}", ServiceName::new(&name).unwrap().hash());

    let value = json(&iox2(&dir, &["-f", "json", "service", "list"]));
    let services = value.as_array().unwrap();
    let found = services
        .iter()
        .find(|s| s["hash"] == hash.as_str())
        .unwrap_or_else(|| panic!("service {hash} not in {value}"));
    assert_eq!(found["name"], name.as_str(), "the name from the header");
    assert_eq!(found["state"], "Ready");
    assert_eq!(found["payload"]["size"], 8);
    assert_eq!(found["payload"]["align"], 8);
    assert_eq!(found["payload"]["name"], "u64");
    assert_eq!(found["qos"]["history"], 1);
    assert_eq!(found["qos"]["max_publishers"], 3);
    assert_eq!(found["qos"]["max_subscribers"], 8);
    assert!(found["error"].is_null(), "{found}");

    let human = stdout(&iox2(&dir, &["service", "list"]));
    assert!(human.contains(&hash), "{human}");

    drop(service);
    drop(node);
    let value = json(&iox2(&dir, &["-f", "json", "service", "list"]));
    assert!(
        !value.as_array().unwrap().iter().any(|s| s["hash"] == hash.as_str()),
        "{value}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
