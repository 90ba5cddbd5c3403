//! The `iox2` binary run as a subprocess against live services this test
//! starts, asserting on its parsed JSON output: config show/generate (and
//! `--config`), service list/details, node list/details, hz and echo on a
//! live publisher, a node killed with SIGKILL shown dead and cleaned up,
//! discovery seeing a service appear and disappear, and bad input failing
//! with a clear message and a non-zero status, never a panic.
//!
//! Each run gets its own current directory and `XDG_CONFIG_HOME`/`HOME`
//! through `Command`, so the tests never touch this process's environment.
//! The node that is killed is this test binary run again as a child
//! ([`CHILD_VAR`]).

use core::time::Duration;
use iox2_host::core::service::ServiceName;
use iox2_host::prelude::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

mod common;

/// Set in a re-run of this binary: the service the child's node opens.
const CHILD_VAR: &str = "IOX2_CLI_TEST_CHILD_SERVICE";

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

/// A service name unique to this process and `tag`.
fn unique(tag: &str) -> String {
    common::unique("cli", tag)
}

/// Runs `iox2 args` with the default environment of `dir`, output piped.
fn iox2_spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_iox2"))
        .args(args)
        .current_dir(dir.join("cwd"))
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("HOME", dir.join("home"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Each line of a JSON-lines output.
fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn hex_id(id: u64) -> String {
    format!("{id:016x}")
}

/// The entry of `array` whose `key` is `value`.
fn find<'a>(array: &'a serde_json::Value, key: &str, value: &str) -> Option<&'a serde_json::Value> {
    array.as_array().unwrap().iter().find(|v| v[key] == value)
}

#[test]
fn service_and_node_details_of_live_ports() {
    let dir = scratch("details");
    let name = unique("details");
    let node = NodeBuilder::new()
        .name("cli-details")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<[u32; 4]>()
        .history(1)
        .open_or_create()
        .unwrap();
    let _publisher = service.publisher_builder().create().unwrap();
    let _subscriber = service.subscriber_builder().create().unwrap();
    let id = hex_id(node.id());

    let details = json(&iox2(&dir, &["-f", "json", "service", "details", &name]));
    assert_eq!(details["name"], name.as_str());
    assert_eq!(details["pattern"], "publish-subscribe");
    assert_eq!(details["state"], "Ready");
    assert_eq!(details["payload"]["name"], "[u32; 4]");
    assert_eq!(details["payload"]["size"], 16);
    assert_eq!(details["payload"]["align"], 4);
    assert_eq!(details["qos"]["history"], 1);
    let nodes = &details["nodes"];
    assert_eq!(nodes.as_array().unwrap().len(), 1, "{details}");
    assert_eq!(nodes[0]["id"], id.as_str());
    assert_eq!(nodes[0]["name"], "cli-details");
    assert_eq!(nodes[0]["pid"], std::process::id());
    assert_eq!(nodes[0]["state"], "alive");
    let ports = details["ports"].as_array().unwrap();
    let kinds: Vec<&str> = ports.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["publisher", "subscriber"], "{details}");
    assert!(
        ports
            .iter()
            .all(|p| p["node"] == id.as_str() && p["node_name"] == "cli-details")
    );
    let human = stdout(&iox2(&dir, &["service", "details", &name]));
    assert!(human.contains("payload   [u32; 4] (size 16, align 4)"), "{human}");

    let list = json(&iox2(&dir, &["-f", "json", "node", "list"]));
    let listed = find(&list, "id", &id).unwrap_or_else(|| panic!("{id} not in {list}"));
    assert_eq!(listed["name"], "cli-details");
    assert_eq!(listed["state"], "alive");
    assert_eq!(listed["pid"], std::process::id());
    let exe = std::env::current_exe().unwrap();
    assert_eq!(listed["executable"], exe.to_str().unwrap());

    for which in [id.as_str(), "cli-details"] {
        let found = json(&iox2(&dir, &["-f", "json", "node", "details", which]));
        let node_details = find(&found, "id", &id).unwrap_or_else(|| panic!("{found}"));
        assert_eq!(node_details["state"], "alive");
        let entry = find(&node_details["services"], "service", &name).unwrap();
        assert_eq!(entry["pattern"], "publish-subscribe");
        let ports: Vec<(&str, u64)> = entry["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["kind"].as_str().unwrap(), p["slot"].as_u64().unwrap()))
            .collect();
        assert_eq!(ports, [("publisher", 0), ("subscriber", 0)]);
    }
    let yaml = stdout(&iox2(&dir, &["-f", "yaml", "node", "details", &id]));
    assert!(yaml.contains("name: cli-details"), "{yaml}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hz_and_echo_watch_a_live_publisher_with_one_extra_subscriber() {
    let dir = scratch("watch");
    let name = unique("watch");
    let node = NodeBuilder::new().name("cli-watch").unwrap().create::<Linux>().unwrap();
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .send_times(true)
        .open_or_create()
        .unwrap();
    let stop = std::sync::Arc::new(core::sync::atomic::AtomicBool::new(false));
    let publisher_thread = {
        let (name, stop) = (name.clone(), stop.clone());
        std::thread::spawn(move || {
            let node = NodeBuilder::new()
                .name("cli-watch-pub")
                .unwrap()
                .create::<Linux>()
                .unwrap();
            let service = node
                .service_builder(&name)
                .unwrap()
                .publish_subscribe::<u64>()
                .open()
                .unwrap();
            let publisher = service.publisher_builder().create().unwrap();
            let mut value = 1000;
            while !stop.load(core::sync::atomic::Ordering::Relaxed) {
                publisher.send_copy(value).unwrap();
                value += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    let samples = json_lines(&iox2(&dir, &["-f", "json", "service", "echo", &name, "-n", "5"]));
    assert_eq!(samples.len(), 5, "{samples:?}");
    let values: Vec<u64> = samples.iter().map(|s| s["value"].as_u64().unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    assert!(values[0] >= 1000, "{values:?}");
    assert!(samples.iter().all(|s| s["len"] == 8 && s["hex"].is_null()));
    let human = stdout(&iox2(&dir, &["service", "echo", &name, "-n", "1"]));
    assert!(human.starts_with('#'), "{human}");
    let described = json_lines(&iox2(
        &dir,
        &[
            "-f",
            "json",
            "service",
            "echo",
            &name,
            "-n",
            "1",
            "--fields",
            "lo:u32,hi:u32",
        ],
    ));
    assert!(described[0]["value"]["lo"].as_u64().unwrap() >= 1000, "{described:?}");

    let reports = json_lines(&iox2(
        &dir,
        &[
            "-f",
            "json",
            "service",
            "hz",
            &name,
            "--window",
            "0.5",
            "--duration",
            "1.6",
        ],
    ));
    let total = reports.last().unwrap();
    assert_eq!(total["kind"], "total", "{reports:?}");
    assert!(reports.len() >= 3, "windows and a total: {reports:?}");
    assert!(total["samples"].as_u64().unwrap() >= 20, "{total}");
    let rate = total["rate_hz"].as_f64().unwrap();
    // 100 Hz nominally; a loaded machine only stretches the sleeps.
    assert!((10.0..=110.0).contains(&rate), "{total}");
    let period = &total["period_ms"];
    assert!(period["min"].as_f64().unwrap() <= period["mean"].as_f64().unwrap());
    assert!(period["mean"].as_f64().unwrap() <= period["max"].as_f64().unwrap());
    assert_eq!(total["lost"], 0, "{total}");
    // The publisher stamped its samples while hz asked: send-to-arrival latency.
    let latency = &total["latency_us"];
    let (min, max) = (latency["min"].as_f64().unwrap(), latency["max"].as_f64().unwrap());
    assert!(
        0.0 < min && min <= latency["mean"].as_f64().unwrap() && min <= max,
        "{total}"
    );
    assert!(max < 1_000_000.0, "under a second: {total}");

    // The watchers left: the service has its publisher and nothing else.
    let details = json(&iox2(&dir, &["-f", "json", "service", "details", &name]));
    let kinds: Vec<&str> = details["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["publisher"], "{details}");
    stop.store(true, core::sync::atomic::Ordering::Relaxed);
    publisher_thread.join().unwrap();
    drop(service);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// In a re-run of this binary ([`CHILD_VAR`] set): a node with a publisher
/// and a subscriber on the service named there, until it is killed.
#[test]
fn child_node_waiting_to_be_killed() {
    let Ok(name) = std::env::var(CHILD_VAR) else {
        return;
    };
    let node = NodeBuilder::new()
        .name("cli-victim")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .open_or_create()
        .unwrap();
    let _publisher = service.publisher_builder().create().unwrap();
    let _subscriber = service.subscriber_builder().create().unwrap();
    common::ready_and_wait(node.id());
}

#[test]
fn a_killed_node_is_shown_dead_and_cleaned_up() {
    let dir = scratch("dead");
    let name = unique("dead");
    let (mut child, id) = common::spawn_ready_child("child_node_waiting_to_be_killed", CHILD_VAR, &name);
    let id = hex_id(id);
    let pid = child.0.id();
    let list = json(&iox2(&dir, &["-f", "json", "node", "list"]));
    assert_eq!(find(&list, "id", &id).unwrap()["state"], "alive", "{list}");

    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    let list = json(&iox2(&dir, &["-f", "json", "node", "list"]));
    let dead = find(&list, "id", &id).unwrap_or_else(|| panic!("{id} not in {list}"));
    assert_eq!(dead["state"], "dead", "{dead}");
    assert_eq!(dead["name"], "cli-victim");
    assert_eq!(dead["pid"], pid);
    let human = stdout(&iox2(&dir, &["node", "list"]));
    assert!(
        human.lines().any(|l| l.starts_with(&id) && l.contains(" dead ")),
        "{human}"
    );
    let details = json(&iox2(&dir, &["-f", "json", "service", "details", &name]));
    assert_eq!(find(&details["nodes"], "id", &id).unwrap()["state"], "dead");

    // Only this test's node: other tests' dead nodes are theirs to check.
    let report = json(&iox2(&dir, &["-f", "json", "node", "cleanup", &id]));
    let cleaned = find(&report["services"], "service", &name).unwrap_or_else(|| panic!("{report}"));
    assert_eq!(cleaned["pattern"], "publish-subscribe");
    assert_eq!(cleaned["removed"], true, "its only node was dead: {report}");
    assert!(cleaned["error"].is_null(), "{report}");
    let reaped = find(&cleaned["reaped"], "id", &id).unwrap();
    assert_eq!(reaped["name"], "cli-victim");
    let freed: Vec<&str> = reaped["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(freed, ["publisher", "subscriber"], "{report}");
    assert!(
        report["nodes"].as_array().unwrap().iter().any(|n| n == id.as_str()),
        "token and record removed: {report}"
    );

    let list = json(&iox2(&dir, &["-f", "json", "node", "list"]));
    assert!(find(&list, "id", &id).is_none(), "{list}");
    assert_clean_failure(&iox2(&dir, &["service", "details", &name]), "no such service");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn discovery_process_sees_a_service_appear_and_disappear() {
    let dir = scratch("discovery");
    let name = unique("discovery");
    let mut discovery = common::Running(iox2_spawn(
        &dir,
        &["-f", "json", "service", "discovery", "--interval", "20"],
    ));
    let mut lines = BufReader::new(discovery.0.stdout.take().unwrap()).lines();
    let mut next_change_of = |service: &str| -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let line = lines.next().expect("discovery runs").unwrap();
            let change: serde_json::Value = serde_json::from_str(&line).unwrap();
            if change["service"]["name"] == service {
                return change;
            }
        }
        panic!("no change of {service}");
    };
    // It sees itself first.
    let own = next_change_of("iox2/discovery/changes");
    assert_eq!(own["change"], "added");

    let node = NodeBuilder::new()
        .name("cli-discovered")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u32>()
        .open_or_create()
        .unwrap();
    let added = next_change_of(&name);
    assert_eq!(added["change"], "added", "{added}");
    assert_eq!(added["service"]["pattern"], "publish-subscribe");
    assert_eq!(added["service"]["payload"]["name"], "u32");

    let snapshot = json(&iox2(&dir, &["-f", "json", "service", "discovery", "--snapshot"]));
    assert!(find(&snapshot["services"], "name", &name).is_some(), "{snapshot}");
    assert!(snapshot["generation"].as_u64().unwrap() >= added["generation"].as_u64().unwrap());

    drop(service);
    let removed = next_change_of(&name);
    assert_eq!(removed["change"], "removed", "{removed}");
    assert!(removed["generation"].as_u64().unwrap() > added["generation"].as_u64().unwrap());

    // A second discovery is refused while the first runs.
    assert_clean_failure(&iox2(&dir, &["service", "discovery"]), "another discovery service runs");
    let terminated = Command::new("kill")
        .args(["-TERM", &discovery.0.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let status = discovery.0.wait().unwrap();
    assert!(status.success(), "SIGTERM ends discovery cleanly: {status:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explicit_config_path_is_used_and_its_errors_name_file_line_and_key() {
    let dir = scratch("explicit");
    let custom = dir.join("custom.toml");
    std::fs::write(
        &custom,
        "[event]\nmax_listeners = 3\ndeadline_ns = 1000000\n[request_response]\nmax_servers = 1\n",
    )
    .unwrap();
    let path = custom.to_str().unwrap();
    let value = json(&iox2(&dir, &["-f", "json", "--config", path, "config", "show"]));
    assert_eq!(value["source"], path);
    assert_eq!(value["config"]["event"]["max_listeners"], 3);
    assert_eq!(value["config"]["event"]["deadline_ns"], 1_000_000);
    assert_eq!(value["config"]["request_response"]["max_servers"], 1);
    assert_eq!(value["config"]["node"]["cleanup_dead_nodes_on_creation"], false);

    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "[node]\nname = \"n\"\n\n[event]\nmax_listener = 3\n").unwrap();
    let broken = broken.to_str().unwrap();
    let stderr = assert_clean_failure(&iox2(&dir, &["-c", broken, "service", "list"]), &format!("{broken}:5:"));
    assert!(stderr.contains("event.max_listener"), "{stderr}");
    assert_clean_failure(&iox2(&dir, &["-c", broken, "node", "list"]), "event.max_listener");
    // `system` reads no file, not even an explicit one.
    stdout(&iox2(&dir, &["-c", broken, "config", "show", "system"]));
    assert_clean_failure(
        &iox2(&dir, &["-c", "/nonexistent/iox2.toml", "config", "show"]),
        "/nonexistent/iox2.toml: cannot read",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_fails_with_a_message_and_a_non_zero_status() {
    let dir = scratch("bad-input");
    for args in [
        ["service", "details", "test/cli/no/such/service"],
        ["service", "hz", "test/cli/no/such/service"],
        ["service", "echo", "test/cli/no/such/service"],
    ] {
        assert_clean_failure(&iox2(&dir, &args), "no such service");
    }
    for args in [
        ["service", "details", "bad name!"],
        ["service", "echo", "bad name!"],
        ["service", "hz", "bad\u{7f}"],
    ] {
        assert_clean_failure(&iox2(&dir, &args), "forbidden character");
    }
    assert_clean_failure(&iox2(&dir, &["node", "details", "no-such-node-anywhere"]), "no node");
    assert_clean_failure(&iox2(&dir, &["node", "cleanup", "0x0000000000000001"]), "no node");
    assert_clean_failure(&iox2(&dir, &["node", "frobnicate"]), "frobnicate");

    let name = unique("bad-input");
    let node = NodeBuilder::new().create::<Linux>().unwrap();
    let _event = node.service_builder(&name).unwrap().event().open_or_create().unwrap();
    assert_clean_failure(
        &iox2(&dir, &["service", "echo", &name]),
        "its pattern is event, not publish-subscribe",
    );
    let pubsub = unique("bad-input-pubsub");
    let _service = node
        .service_builder(&pubsub)
        .unwrap()
        .publish_subscribe::<u64>()
        .open_or_create()
        .unwrap();
    assert_clean_failure(
        &iox2(&dir, &["service", "echo", &pubsub, "--fields", "a:u32"]),
        "--fields describe 4 bytes, the payload type u64 has 8",
    );
    assert_clean_failure(
        &iox2(&dir, &["service", "echo", &pubsub, "--fields", "a:Vec"]),
        "unknown type",
    );
    assert_clean_failure(&iox2(&dir, &["service", "hz", &pubsub, "--window", "0"]), "--window");
    assert_clean_failure(&iox2(&dir, &["service", "hz", &pubsub, "--duration=-1"]), "--duration");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `iox2 args` as user `nobody` (through `runuser`); `None` unless
/// this process is root and `runuser` exists.
fn iox2_as_nobody(args: &[&str]) -> Option<Output> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return None;
    }
    let output = Command::new("runuser")
        .args(["-u", "nobody", "--", env!("CARGO_BIN_EXE_iox2")])
        .args(args)
        .current_dir("/")
        .env("HOME", "/nonexistent")
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .ok()?;
    // runuser itself failed (no such user, cannot execute the binary...).
    (output.status.code() != Some(125) && output.status.code() != Some(126) && output.status.code() != Some(127))
        .then_some(output)
}

#[test]
fn a_segment_without_read_permission_is_a_clear_error() {
    let name = unique("permission");
    let node = NodeBuilder::new().create::<Linux>().unwrap();
    let _service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u8>()
        .open_or_create()
        .unwrap();
    // Segments are created with mode 0600: another user may not read them.
    let Some(output) = iox2_as_nobody(&["service", "details", &name]) else {
        eprintln!("not root, or no runuser: skipped");
        return;
    };
    assert_clean_failure(&output, "no permission to read the service's control segment");
    let listed = iox2_as_nobody(&["-f", "json", "service", "list"]).unwrap();
    let value = json(&listed);
    let hash = format!("{:016x}", ServiceName::new(&name).unwrap().hash());
    let entry = find(&value, "hash", &hash).unwrap_or_else(|| panic!("{value}"));
    assert_eq!(entry["state"], "Unknown");
    assert!(entry["error"].as_str().unwrap().contains("no permission"), "{entry}");
    assert_clean_failure(&iox2_as_nobody(&["service", "echo", &name]).unwrap(), "no permission");
}
