//! A second machine: `lanyard login` (a hidden prompt on a terminal, stdin elsewhere), checked
//! against the server before anything is saved; `profile show|remove`; and a second server's
//! first start in the same home, which never overwrites an existing profile.

use super::{lanyard, lanyard_with_stdin, run, run_with_stdin, text, Server};

fn profiles(home: &std::path::Path) -> serde_json::Value {
    let out = run(home, &["profile", "list", "-o", "json"]);
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn login_checks_the_token_and_saves_a_profile() {
    let first = tempfile::tempdir().unwrap();
    let server = Server::start(first.path(), &[], &[]).unwrap();
    let url = format!("http://{}", server.addr);
    let created = run(
        first.path(),
        &["token", "create", "--role", "deployer", "-o", "json"],
    );
    let created: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let token = created["secret"].as_str().unwrap().to_owned();

    // On a terminal: a hidden prompt, then the profile is current and works.
    let second = tempfile::tempdir().unwrap();
    let mut command = lanyard_with_stdin(second.path());
    command
        .args(["login", "--server", &url])
        .env("TERM", "dumb");
    let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
    session.exp_string("Token (hidden)").unwrap();
    session.send_line(&token).unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("as deployer of `default`"), "{rest}");
    assert!(!rest.contains(&token), "the token was echoed: {rest}");
    let me = run(second.path(), &["whoami", "-o", "json"]);
    let me: serde_json::Value = serde_json::from_slice(&me.stdout).unwrap();
    assert_eq!(me["role"], "deployer", "{me}");

    // A wrong token is refused by the server and saves nothing.
    let refused = run_with_stdin(
        second.path(),
        &["login", "--server", &url, "--profile", "bad"],
        "lyd_not-a-real-token\n",
    );
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        text(&refused.stderr).contains("nothing was saved"),
        "{refused:?}"
    );
    assert!(
        !profiles(second.path()).to_string().contains("\"bad\""),
        "a refused token was saved"
    );

    // From stdin, under another name, not made current (`profile add` is `login --no-use`).
    let saved = run_with_stdin(
        second.path(),
        &["profile", "add", "ci", "--server", &url],
        &token,
    );
    assert!(saved.status.success(), "{saved:?}");
    let shown = run(second.path(), &["profile", "show", "ci", "-o", "json"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["server"], url.as_str(), "{shown}");
    assert_eq!(shown["current"], false, "{shown}");
    assert!(!shown.to_string().contains(&token), "{shown}");
    let removed = run(second.path(), &["profile", "remove", "ci"]);
    assert!(removed.status.success(), "{removed:?}");
    let names: Vec<String> = profiles(second.path())
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["default"], "{names:?}");
}

#[test]
fn a_second_servers_first_start_keeps_the_existing_profile() {
    let home = tempfile::tempdir().unwrap();
    let first = Server::start(home.path(), &[], &[]).unwrap();
    let before = profiles(home.path());
    assert_eq!(before[0]["name"], "default", "{before}");
    // Another server with its own data, sharing this home's CLI profiles.
    let elsewhere = tempfile::tempdir().unwrap();
    let config = home.path().join("cfg");
    let second = Server::start(
        elsewhere.path(),
        &[],
        &[("LANYARD_CONFIG_DIR", config.to_str().unwrap())],
    )
    .unwrap();
    assert!(
        second.stdout.contains("saved as `default-2`"),
        "{}",
        second.stdout
    );
    let after = profiles(home.path());
    let by_name = |name: &str| {
        after
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no profile {name}: {after}"))
    };
    assert_eq!(
        by_name("default")["server"],
        format!("http://{}", first.addr)
    );
    assert_eq!(
        by_name("default-2")["server"],
        format!("http://{}", second.addr)
    );
    // The old one is one command away.
    let back = lanyard(home.path())
        .args(["profile", "use", "default"])
        .output()
        .unwrap();
    assert!(back.status.success(), "{back:?}");
}
