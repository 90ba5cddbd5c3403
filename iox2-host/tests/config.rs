//! The configuration file: search order, defaults, and errors that name
//! the file, the line and the key.
//!
//! The lookup roots are passed explicitly (`search_paths`), so no test
//! touches the process environment and they may run in parallel.

use iox2_host::config::{Config, ConfigError, ConfigSource, search_paths, user_path};
use iox2_host::core::pubsub::PubSubQos;
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
