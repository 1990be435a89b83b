//! Refusals: one `error:` line, a non-zero exit, and nothing half-written.

use crate::support::{random_master_key, Backend, Sandbox};

lanyard_testkit::backend_tests!(
    bad_client_input_is_refused_and_changes_nothing,
    bad_database_urls_are_refused_before_anything_is_written,
    a_taken_port_is_refused_before_the_database_is_touched,
    a_refused_restart_prints_only_its_error_line,
    a_lost_key_file_is_refused_not_regenerated,
);

/// The environment names, in order.
fn env_names(sandbox: &Sandbox) -> Vec<String> {
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    envs.as_array()
        .expect("an array")
        .iter()
        .map(|e| e["name"].as_str().expect("a name").to_owned())
        .collect()
}

async fn bad_client_input_is_refused_and_changes_nothing(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();

    // A usage error is clap's: exit code 2, naming the flag, no panic.
    let unknown = sandbox.run(&["env", "list", "--frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    assert!(unknown.stdout.is_empty(), "{unknown:?}");
    assert!(
        unknown.stderr.starts_with("error: ") && unknown.stderr.contains("--frobnicate"),
        "{unknown:?}"
    );
    assert!(!unknown.stderr.contains("panicked"), "{unknown:?}");

    let bad_slug = sandbox.run(&["env", "create", "Dev"]);
    assert!(bad_slug.error_line().contains("`dev`"), "{bad_slug:?}");
    let duplicate = sandbox.run(&["env", "create", "dev"]);
    assert!(
        duplicate.error_line().contains("already exists"),
        "{duplicate:?}"
    );
    let missing = sandbox.run(&["env", "get", "nope"]);
    assert!(missing.error_line().contains("not found"), "{missing:?}");
    let missing = sandbox.run(&["env", "delete", "nope"]);
    assert!(missing.error_line().contains("not found"), "{missing:?}");
    let no_profile = sandbox.run(&["--profile", "nope", "env", "list"]);
    assert!(
        no_profile.error_line().contains("default"),
        "{no_profile:?}"
    );
    assert_eq!(env_names(&sandbox), ["dev"], "a refusal wrote something");

    // A server that is not there: one line naming where we tried.
    let gone = sandbox.run(&["--server", "http://127.0.0.1:1", "env", "list"]);
    assert!(gone.error_line().contains("127.0.0.1:1"), "{gone:?}");
}

async fn bad_database_urls_are_refused_before_anything_is_written(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let data_dir = sandbox.home().join("unused-data");
    let data_dir = data_dir.to_str().unwrap();
    let server = |database: &str| {
        sandbox.server_refused(&[
            "server",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data_dir,
            "--database",
            database,
        ])
    };

    let unreachable = server("postgres://postgres@127.0.0.1:1/x");
    let line = unreachable.error_line();
    assert!(
        line.contains("postgres://postgres@127.0.0.1:1/x"),
        "{unreachable:?}"
    );

    // A password in the URL is never echoed.
    let with_password = server("postgres://postgres:planted-pw@127.0.0.1:1/x");
    let line = with_password.error_line();
    assert!(
        line.contains("127.0.0.1:1") && !line.contains("planted-pw"),
        "{with_password:?}"
    );

    let typo = server("postgress://postgres:planted-pw@127.0.0.1/x");
    let line = typo.error_line();
    assert!(line.contains("unsupported database URL scheme"), "{typo:?}");
    assert!(!line.contains("planted-pw"), "{typo:?}");

    let missing = sandbox.home().join("nowhere").join("missing.db");
    let refused = server(&format!("sqlite://{}", missing.display()));
    assert!(refused.error_line().contains("?mode=rwc"), "{refused:?}");
    assert!(!missing.exists() && !missing.parent().unwrap().exists());

    assert!(
        !std::path::Path::new(data_dir).exists(),
        "a data dir was created"
    );
    assert!(
        !sandbox.profile_path().exists(),
        "a refused start saved a profile"
    );
}

async fn a_taken_port_is_refused_before_the_database_is_touched(backend: Backend) {
    let first = Sandbox::new(backend).await;
    let server = first.start(&[]);
    first.run(&["env", "create", "dev"]).ok();

    // A second installation on the same port: refused before its database or key is created.
    let second = Sandbox::new(backend).await;
    let refused = second
        .try_start(&server.addr, &[], &[])
        .err()
        .expect("a second server started on a taken port");
    let line = refused.error_line();
    assert!(line.contains("already in use"), "{refused:?}");
    assert!(line.contains(&server.addr), "{refused:?}");
    assert!(
        !second.data_dir().exists(),
        "the refused server created its data dir"
    );
    assert!(
        !second.profile_path().exists(),
        "the refused server saved a profile"
    );

    // The first server is unaffected.
    assert_eq!(env_names(&first), ["dev"]);
    let out = server.stop().ok();
    assert!(out.stderr.contains("Lanyard stopped."), "{out:?}");
}

/// A start that opens an existing database and then refuses (here: the wrong master key) prints
/// exactly its one error line, on PostgreSQL as on SQLite: no database chatter before it.
async fn a_refused_restart_prints_only_its_error_line(backend: Backend) {
    let mut sandbox = Sandbox::new(backend).await;
    sandbox.master_key = Some(random_master_key());
    let server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    server.stop().ok();
    sandbox.master_key = Some(random_master_key());
    let refused = sandbox
        .try_start("127.0.0.1:0", &[], &[])
        .err()
        .expect("a server with the wrong key started");
    assert!(
        refused.error_line().contains("does not match"),
        "{refused:?}"
    );
}

/// An installation whose generated key file is gone must not silently get a new key.
async fn a_lost_key_file_is_refused_not_regenerated(backend: Backend) {
    let mut sandbox = Sandbox::new(backend).await;
    sandbox.master_key = None; // the data directory's generated `master.key`, on both backends
    let server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    server.stop().ok();
    let key_file = sandbox.data_dir().join("master.key");
    let key = std::fs::read(&key_file).expect("a generated key file");
    std::fs::remove_file(&key_file).unwrap();

    let refused = sandbox
        .try_start("127.0.0.1:0", &[], &[])
        .err()
        .expect("a server without its key started");
    let line = refused.server_error_line();
    assert!(
        line.contains("master.key") && line.contains("LANYARD_MASTER_KEY"),
        "{refused:?}"
    );
    assert!(!key_file.exists(), "a new key file was generated");

    // Putting the key back is all it takes.
    std::fs::write(&key_file, key).unwrap();
    let server = sandbox.start(&[]);
    let envs = sandbox
        .run(&["--server", &server.url(), "env", "list", "-o", "json"])
        .json();
    assert_eq!(envs[0]["name"], "dev", "{envs}");
}
