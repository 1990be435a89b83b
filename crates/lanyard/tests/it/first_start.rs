//! The server's first start (token, profile, key file), `--no-profile`, restarts and the key check.

use crate::support::{mode, random_master_key, tokens_in, Backend, Sandbox};

lanyard_testkit::backend_tests!(
    first_start_prints_the_token_once_and_the_cli_just_works,
    no_profile_saves_nothing_and_clients_then_need_a_token,
    data_survives_a_sigterm_restart_without_a_new_token,
    a_different_master_key_is_refused_before_listening,
    sigterm_right_after_the_listening_line_stops_gracefully,
);

async fn first_start_prints_the_token_once_and_the_cli_just_works(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start(&[]);
    let token = server.first_token();

    // The profile is private and points at this server, organization and token.
    let profile_path = sandbox.profile_path();
    assert_eq!(mode(&profile_path), 0o600, "profile file mode");
    let profile: toml::Value = toml::from_str(&std::fs::read_to_string(&profile_path).unwrap())
        .expect("profile file is TOML");
    assert_eq!(profile["current"].as_str(), Some("default"), "{profile}");
    let saved = &profile["profiles"]["default"];
    assert_eq!(saved["server"].as_str(), Some(server.url().as_str()));
    assert_eq!(saved["org"].as_str(), Some("default"));
    assert_eq!(saved["token"].as_str(), Some(token.as_str()));
    match backend {
        Backend::Sqlite => {
            assert_eq!(mode(&sandbox.data_dir()), 0o700, "data dir mode");
            assert_eq!(mode(&sandbox.data_dir().join("master.key")), 0o600);
            // The database and the files SQLite creates beside it: the owner's alone.
            for entry in std::fs::read_dir(sandbox.data_dir()).unwrap().flatten() {
                assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
            }
            assert!(sandbox.data_dir().join("lanyard.db-wal").exists());
        }
        Backend::Postgres => assert!(
            !sandbox.data_dir().join("master.key").exists(),
            "a key file was generated although LANYARD_MASTER_KEY was set"
        ),
    }

    // No --server, no --token: everything comes from the profile.
    let created = sandbox.run(&["env", "create", "dev"]).ok();
    assert!(created.stdout.contains("dev"), "{created:?}");
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    let names: Vec<&str> = envs
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["dev"], "{envs}");
    let yaml = sandbox.run(&["env", "list", "-o", "yaml"]).ok();
    let parsed: serde_norway::Value = serde_norway::from_str(&yaml.stdout).expect("YAML");
    assert_eq!(parsed[0]["name"].as_str(), Some("dev"), "{yaml:?}");
    let table = sandbox.run(&["env", "list"]).ok();
    assert!(table.stdout.contains("NAME"), "{table:?}");
    assert!(
        table.stdout.lines().any(|l| l.contains(" dev ")),
        "{table:?}"
    );
    let me = sandbox.run(&["whoami", "-o", "json"]).json();
    assert_eq!(me["organization"], "default", "{me}");
    assert_eq!(me["role"], "admin", "{me}");

    // The token was printed exactly once, on stdout only.
    let out = server.stop().ok();
    assert_eq!(tokens_in(&out.stdout), [token.as_str()], "{out:?}");
    assert_eq!(out.stdout.matches(&token).count(), 1, "{out:?}");
    assert!(
        out.stdout.contains("Saved CLI profile `default`"),
        "{out:?}"
    );
    assert!(
        !out.stderr.contains(&token),
        "the admin token is in the log"
    );
}

async fn no_profile_saves_nothing_and_clients_then_need_a_token(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start(&["--no-profile"]);
    let token = server.first_token();
    assert!(
        !sandbox.profile_path().exists(),
        "--no-profile wrote a profile"
    );
    assert!(
        !sandbox.home().join("cfg").exists(),
        "--no-profile created the profile directory"
    );

    // Without a profile or a token, a client refuses before any request, saying what to do.
    let refused = sandbox.run(&["--server", &server.url(), "env", "list"]);
    let line = refused.error_line();
    assert!(line.contains("LANYARD_TOKEN"), "{refused:?}");
    let refused = sandbox.run(&["env", "list"]);
    assert!(
        refused.error_line().contains("LANYARD_TOKEN"),
        "{refused:?}"
    );

    // The printed token works through the variables.
    let env = [("LANYARD_SERVER", server.url()), ("LANYARD_TOKEN", token)];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sandbox.run_env(&["env", "create", "dev"], &env).ok();
    let envs = sandbox.run_env(&["env", "list", "-o", "json"], &env).json();
    assert_eq!(envs[0]["name"], "dev", "{envs}");
    assert!(!sandbox.profile_path().exists(), "a client wrote a profile");

    let out = server.stop().ok();
    assert!(out.stdout.contains("No CLI profile saved"), "{out:?}");
    assert!(!out.stdout.contains("Saved CLI profile"), "{out:?}");
}

async fn data_survives_a_sigterm_restart_without_a_new_token(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start(&[]);
    let token = server.first_token();
    sandbox.run(&["env", "create", "dev"]).ok();
    sandbox.run(&["env", "create", "staging"]).ok();
    let addr = server.addr.clone();

    let stopped = server.stop();
    assert_eq!(stopped.status.code(), Some(0), "SIGTERM exit: {stopped:?}");
    assert!(stopped.stderr.contains("Lanyard stopped."), "{stopped:?}");
    let profile_before = std::fs::read(sandbox.profile_path()).unwrap();

    // Same address, so the saved profile still points at it; same data dir / database and key.
    let again = sandbox
        .try_start(&addr, &[], &[])
        .unwrap_or_else(|out| panic!("restart failed: {out:?}"));
    let envs = sandbox.run(&["env", "list", "-o", "json"]).json();
    let mut names: Vec<&str> = envs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["dev", "staging"], "{envs}");
    let me = sandbox
        .run(&["--token", &token, "whoami", "-o", "json"])
        .json();
    assert_eq!(me["role"], "admin", "the first token no longer works: {me}");

    let out = again.stop().ok();
    assert!(tokens_in(&out.stdout).is_empty(), "a new token: {out:?}");
    assert!(!out.stdout.contains("Created organization"), "{out:?}");
    assert_eq!(
        std::fs::read(sandbox.profile_path()).unwrap(),
        profile_before,
        "the restart rewrote the profile"
    );
}

async fn a_different_master_key_is_refused_before_listening(backend: Backend) {
    let mut sandbox = Sandbox::new(backend).await;
    sandbox.master_key = Some(random_master_key());
    let server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let right_key = sandbox.master_key.clone();
    server.stop().ok();

    sandbox.master_key = Some(random_master_key());
    let refused = sandbox
        .try_start("127.0.0.1:0", &[], &[])
        .err()
        .expect("a server with the wrong key started");
    assert!(!refused.stderr.contains("listening"), "{refused:?}");
    let line = refused.server_error_line();
    assert!(
        line.contains("LANYARD_MASTER_KEY") && line.contains("does not match"),
        "{refused:?}"
    );
    let key = sandbox.master_key.as_deref().unwrap();
    assert!(!refused.stderr.contains(key), "the key was echoed");
    assert!(tokens_in(&refused.stdout).is_empty(), "{refused:?}");

    // The refusal changed nothing: the right key still opens the data.
    sandbox.master_key = right_key;
    let server = sandbox.start(&[]);
    let envs = sandbox
        .run(&["--server", &server.url(), "env", "list", "-o", "json"])
        .json();
    assert_eq!(envs[0]["name"], "dev", "{envs}");
}

/// The listening line tells a supervisor the server is up; a SIGTERM sent as soon as it appears
/// must already get the graceful stop (exit 0, `Lanyard stopped.`), not the default death by
/// signal. A few quick start/stop cycles, because the gap this guards against is short.
async fn sigterm_right_after_the_listening_line_stops_gracefully(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    for cycle in 0..5 {
        let out = sandbox.start(&[]).stop();
        assert_eq!(
            out.status.code(),
            Some(0),
            "cycle {cycle}: SIGTERM right after the listening line: {out:?}"
        );
        assert!(
            out.stderr.contains("Lanyard stopped."),
            "cycle {cycle}: {out:?}"
        );
    }
}
