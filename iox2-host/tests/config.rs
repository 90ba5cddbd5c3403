//! The configuration file: search order, an explicit path, the defaults of
//! every pattern and of nodes, and errors that name the file, the line and
//! the key (or the table of refused settings).
//!
//! The lookup roots are passed explicitly (`search_paths`), so no test
//! touches the process environment and they may run in parallel.

use iox2_host::config::{Config, ConfigError, ConfigSource, search_paths, user_path};
use iox2_host::core::event::EventQos;
use iox2_host::core::pubsub::PubSubQos;
use iox2_host::core::reqres::ReqResQos;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A fresh directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iox2-config-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn history_file(history: u32) -> String {
    format!("[publish_subscribe]\nsubscriber_buffer = 4\nhistory = {history}\n")
}

#[test]
fn search_order_is_local_then_user_then_system_then_defaults() {
    let root = scratch("order");
    let cwd = root.join("project");
    let xdg = root.join("xdg");
    let home = root.join("home");
    let system = root.join("etc/iox2/iox2.toml");
    let paths = search_paths(&cwd, Some(xdg.clone().into()), Some(home.clone().into()), &system);
    let local = cwd.join("config/iox2.toml");
    let user = xdg.join("iox2/iox2.toml");
    assert_eq!(paths, vec![local.clone(), user.clone(), system.clone()]);

    assert_eq!(
        Config::load_first(&paths).unwrap(),
        (Config::default(), ConfigSource::Defaults)
    );
    write(&system, &history_file(3));
    write(&user, &history_file(2));
    write(&local, &history_file(1));
    for (expected, file) in [(1, &local), (2, &user), (3, &system)] {
        let (config, source) = Config::load_first(&paths).unwrap();
        assert_eq!(config.publish_subscribe.history, expected);
        assert_eq!(source, ConfigSource::File(file.clone()));
        std::fs::remove_file(file).unwrap();
    }
    assert_eq!(Config::load_first(&paths).unwrap().1, ConfigSource::Defaults);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn home_is_used_when_xdg_config_home_is_unset_or_empty() {
    let home = OsString::from("/home/u");
    let expected = PathBuf::from("/home/u/.config/iox2/iox2.toml");
    assert_eq!(user_path(None, Some(home.clone())), Some(expected.clone()));
    assert_eq!(user_path(Some(OsString::new()), Some(home)), Some(expected));
    assert_eq!(user_path(None, None), None);
    let paths = search_paths(Path::new("/w"), None, None, Path::new("/etc/iox2/iox2.toml"));
    assert_eq!(paths.len(), 2, "no user file without HOME: {paths:?}");
}

#[test]
fn partial_file_keeps_the_other_defaults() {
    let config = Config::from_toml_str("[node]\nname = \"camera\"\n", "x.toml").unwrap();
    assert_eq!(config.node.name, "camera");
    assert_eq!(config.pubsub_qos(), PubSubQos::DEFAULT);
    assert_eq!(config.shared_memory, Config::default().shared_memory);
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let dir = scratch("unknown");
    let path = dir.join("iox2.toml");
    write(
        &path,
        "# comment\n[publish_subscribe]\nhistory = 0\nmax_publisher = 3\n",
    );
    let error = Config::from_path(&path).unwrap_err();
    match &error {
        ConfigError::Parse { path: p, line, key, .. } => {
            assert_eq!(p, &path);
            assert_eq!(*line, Some(4));
            assert_eq!(key.as_deref(), Some("publish_subscribe.max_publisher"));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let text = error.to_string();
    assert!(text.starts_with(&format!("{}:4:", path.display())), "{text}");
    assert!(text.contains("max_publisher"), "{text}");

    let error = Config::from_toml_str("[nodes]\nname = \"a\"\n", "f.toml").unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("f.toml:1:"), "{text}");
    assert!(text.contains("nodes"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_type_names_file_line_and_key() {
    let error = Config::from_toml_str(
        "[node]\nname = \"n\"\n\n[publish_subscribe]\nhistory = \"one\"\n",
        "w.toml",
    )
    .unwrap_err();
    match &error {
        ConfigError::Parse { line, key, message, .. } => {
            assert_eq!(*line, Some(5));
            assert_eq!(key.as_deref(), Some("publish_subscribe.history"));
            assert!(message.contains("invalid type"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(error.to_string().starts_with("w.toml:5:"), "{error}");

    let error = Config::from_toml_str("[publish_subscribe]\nsafe_overflow = 1\n", "b.toml").unwrap_err();
    assert!(error.to_string().contains("publish_subscribe.safe_overflow"), "{error}");
}

#[test]
fn refused_settings_and_missing_files_are_errors() {
    let error = Config::from_toml_str("[publish_subscribe]\nhistory = 3\n", "h.toml").unwrap_err();
    assert!(matches!(error, ConfigError::Invalid { .. }), "{error:?}");
    assert!(error.to_string().contains("history 3 exceeds"), "{error}");
    let error = Config::from_path("/nonexistent/iox2.toml").unwrap_err();
    assert!(matches!(error, ConfigError::Io { .. }), "{error:?}");
    assert_eq!(error.path(), Path::new("/nonexistent/iox2.toml"));
}

#[test]
fn generated_file_parses_to_the_defaults() {
    let text = Config::default().to_commented_toml();
    assert!(text.contains("# Most publishers at once."));
    assert_eq!(Config::from_toml_str(&text, "gen.toml").unwrap(), Config::default());
    let mut custom = Config::default();
    custom.node.name = "with \"quotes\"".into();
    custom.publish_subscribe.safe_overflow = false;
    assert_eq!(
        Config::from_toml_str(&custom.to_commented_toml(), "gen.toml").unwrap(),
        custom
    );
}

#[test]
fn every_pattern_has_defaults_and_they_are_iceoryx2s() {
    let config = Config::default();
    assert_eq!(config.event_qos(), EventQos::DEFAULT);
    assert_eq!(config.reqres_qos(), ReqResQos::DEFAULT);
    assert!(!config.node.cleanup_dead_nodes_on_creation);
    let text = "[event]\nmax_listeners = 4\ndeadline_ns = 250000000\nnotifier_dead_event = 9\n\
                [request_response]\nmax_servers = 1\nsafe_overflow = false\n\
                [blackboard]\nmax_readers = 3\n\
                [node]\ncleanup_dead_nodes_on_creation = true\n";
    let config = Config::from_toml_str(text, "p.toml").unwrap();
    let event = config.event_qos();
    assert_eq!((event.max_listeners, event.max_notifiers), (4, 16));
    assert_eq!(event.deadline(), Some(core::time::Duration::from_millis(250)));
    assert_eq!(event.notifier_dead_event, 9);
    assert_eq!(event.notifier_created_event, EventQos::DEFAULT.notifier_created_event);
    let reqres = config.reqres_qos();
    assert_eq!(
        (reqres.max_servers, reqres.max_clients, reqres.safe_overflow),
        (1, 8, false)
    );
    assert_eq!((config.blackboard.max_readers, config.blackboard.max_nodes), (3, 20));
    assert!(config.node.cleanup_dead_nodes_on_creation);
    // The generated file writes the set ids and deadline, and comments out the rest.
    let generated = config.to_commented_toml();
    assert!(generated.contains("\nnotifier_dead_event = 9\n"), "{generated}");
    assert!(generated.contains("\n# notifier_created_event = "), "{generated}");
    assert_eq!(Config::from_toml_str(&generated, "gen.toml").unwrap(), config);
}

#[test]
fn refused_defaults_name_their_table() {
    let error = Config::from_toml_str("[event]\nmax_listeners = 0\n", "e.toml").unwrap_err();
    assert!(
        matches!(error, ConfigError::Invalid { table: "event", .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("e.toml: invalid [event] settings:"),
        "{error}"
    );
    let error = Config::from_toml_str("[request_response]\nmax_clients = 0\n", "r.toml").unwrap_err();
    assert!(error.to_string().contains("[request_response]"), "{error}");
    let error = Config::from_toml_str("[request_response]\n\nfire_and_forget = \"yes\"\n", "t.toml").unwrap_err();
    assert!(
        error.to_string().starts_with("t.toml:3:") && error.to_string().contains("request_response.fire_and_forget"),
        "{error}"
    );
    let error = Config::from_toml_str("[blackboard]\nmax_readers = 0\n", "b.toml").unwrap_err();
    assert!(error.to_string().contains("[blackboard]"), "{error}");
    let error = Config::from_toml_str("[node]\ncleanup = true\n", "n.toml").unwrap_err();
    assert!(error.to_string().contains("node.cleanup"), "{error}");
}

#[test]
fn an_explicit_path_is_used_instead_of_the_search() {
    let dir = scratch("explicit");
    let path = dir.join("mine.toml");
    write(&path, &history_file(2));
    let (config, source) = Config::load_from(Some(&path)).unwrap();
    assert_eq!(config.publish_subscribe.history, 2);
    assert_eq!(source, ConfigSource::File(path.clone()));
    let missing = dir.join("missing.toml");
    let error = Config::load_from(Some(&missing)).unwrap_err();
    assert!(
        matches!(error, ConfigError::Io { .. }),
        "an explicit file must exist: {error:?}"
    );
    assert_eq!(error.path(), missing);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_node_takes_its_settings_from_the_config_it_is_given() {
    use iox2_host::prelude::*;
    let config = Config::from_toml_str("[node]\nname = \"from-config\"\n", "node.toml").unwrap();
    let node = NodeBuilder::new().config(&config).create::<Linux>().unwrap();
    assert_eq!(node.name(), "from-config");
    assert_eq!(node.config(), &config);
    let named = NodeBuilder::new()
        .name("explicit")
        .unwrap()
        .config(&config)
        .create::<Linux>()
        .unwrap();
    assert_eq!(named.name(), "explicit", "an explicit name wins");
    assert_eq!(NodeBuilder::new().create::<Linux>().unwrap().name(), "");
    let bad = Config::from_toml_str("[node]\nname = \"no spaces\"\n", "bad.toml").unwrap();
    assert!(matches!(
        NodeBuilder::new().config(&bad).create::<Linux>().unwrap_err(),
        iox2_host::NodeCreateError::Name(_)
    ));
}
