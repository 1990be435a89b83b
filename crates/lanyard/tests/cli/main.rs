//! The `lanyard` binary end to end: a real server process, real CLI processes, a temp profile.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod deploy;
mod docs;
mod login;

const BIN: &str = env!("CARGO_BIN_EXE_lanyard");

/// A `lanyard` command with a clean environment: no inherited `LANYARD_*`, its own home.
fn lanyard(home: &Path) -> Command {
    let mut command = lanyard_with_stdin(home);
    command.stdin(Stdio::null());
    command
}

/// Like [`lanyard`], leaving stdin for the caller (a pipe, or a terminal).
fn lanyard_with_stdin(home: &Path) -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LANYARD_") {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .env("LANYARD_CONFIG_DIR", home.join("cfg"));
    command
}

/// A running server process; killed on drop.
struct Server {
    child: Child,
    addr: String,
    stdout: String,
    stderr_lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(home: &Path, extra: &[&str], env: &[(&str, &str)]) -> Result<Self, String> {
        Self::start_at(home, "127.0.0.1:0", extra, env)
    }

    fn start_at(
        home: &Path,
        listen: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self, String> {
        let mut command = lanyard(home);
        command
            .args(["server", "--listen", listen, "--data-dir"])
            .arg(home.join("data"));
        command.args(extra).envs(env.iter().copied());
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut seen = Vec::new();
        let addr = loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(line) if line.contains("Lanyard is listening on") => {
                    let after = line.split("http://").nth(1).unwrap_or_default();
                    break after
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                }
                Ok(line) => seen.push(line),
                Err(_) => {
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    return Err(format!("{status}: {}", seen.join("\n")));
                }
            }
        };
        // The first-start banner is printed before the listening line; stdout is complete
        // up to here, so read what is buffered without waiting for the process to end.
        let stdout_pipe = child.stdout.take().unwrap();
        let (otx, orx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout_pipe).lines().map_while(Result::ok) {
                let _ = otx.send(line);
            }
        });
        let mut stdout = String::new();
        while let Ok(line) = orx.recv_timeout(Duration::from_millis(300)) {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        Ok(Self {
            child,
            addr,
            stdout,
            stderr_lines: rx,
        })
    }

    fn terminate(mut self) -> (bool, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.stderr_lines.try_iter().collect();
        (status.success(), rest.join("\n"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(home: &Path, args: &[&str]) -> Output {
    lanyard(home).args(args).output().unwrap()
}

/// Like [`run`], with `input` on stdin (a pipe, not a terminal).
fn run_with_stdin(home: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = lanyard_with_stdin(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn first_start_saves_a_profile_and_the_cli_just_works() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start(home.path(), &[], &[]).unwrap();
    let token = server
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("lyd_"))
        .unwrap()
        .to_owned();
    let created = run(home.path(), &["env", "create", "dev"]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let listed = run(home.path(), &["env", "list", "-o", "json"]);
    let envs: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(envs[0]["name"], "dev");
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home.path().join("cfg/config.toml")), 0o600);
    assert_eq!(mode(&home.path().join("data/master.key")), 0o600);
    let profiles = run(home.path(), &["profile", "list", "-o", "json"]);
    assert!(
        !text(&profiles.stdout).contains(&token),
        "profile list shows a token"
    );

    // Bad input: one line on stderr, non-zero exit, nothing written.
    let bad = run(home.path(), &["env", "create", "Dev"]);
    assert!(!bad.status.success());
    let message = text(&bad.stderr);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("`dev`"), "{message}");
    let unknown = run(home.path(), &["env", "list", "--frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2));
    let listed = run(home.path(), &["env", "list", "-o", "json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&listed.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A viewer token cannot create anything.
    let viewer = run(
        home.path(),
        &["token", "create", "--role", "viewer", "-o", "json"],
    );
    let viewer: serde_json::Value = serde_json::from_slice(&viewer.stdout).unwrap();
    let denied = run(
        home.path(),
        &[
            "--token",
            viewer["secret"].as_str().unwrap(),
            "env",
            "create",
            "prod",
        ],
    );
    assert!(!denied.status.success());
    assert!(
        text(&denied.stderr).contains("role admin"),
        "{}",
        text(&denied.stderr)
    );

    // SIGTERM stops it gracefully; the admin token never reached the log.
    let addr = server.addr.clone();
    let (ok, log) = server.terminate();
    assert!(ok, "{log}");
    assert!(log.contains("Lanyard stopped."), "{log}");
    assert!(
        !log.contains(&token),
        "the admin token is in the server log"
    );

    // Data survives a restart, which prints no new token.
    let again = Server::start_at(home.path(), &addr, &[], &[]).unwrap();
    assert!(!again.stdout.contains("lyd_"), "{}", again.stdout);
    let listed = run(home.path(), &["env", "list", "-o", "json"]);
    assert!(text(&listed.stdout).contains("\"dev\""));
}

#[test]
fn refusals_are_one_line_and_exit_non_zero() {
    let home = tempfile::tempdir().unwrap();
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let server = Server::start(
        home.path(),
        &["--no-profile"],
        &[("LANYARD_MASTER_KEY", key)],
    )
    .unwrap();
    assert!(
        !home.path().join("cfg/config.toml").exists(),
        "--no-profile wrote a profile"
    );
    let no_token = run(home.path(), &["env", "list"]);
    assert!(!no_token.status.success());
    assert!(text(&no_token.stderr).contains("LANYARD_TOKEN"));
    // The port is taken while it runs.
    let taken = run(
        home.path(),
        &[
            "server",
            "--listen",
            &server.addr,
            "--data-dir",
            "/nonexistent",
        ],
    );
    assert!(
        text(&taken.stderr).contains("already in use"),
        "{}",
        text(&taken.stderr)
    );
    let (ok, _) = server.terminate();
    assert!(ok);
    let other = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";
    let refused = Server::start(home.path(), &[], &[("LANYARD_MASTER_KEY", other)])
        .err()
        .expect("wrong key refused");
    assert!(
        refused.contains("LANYARD_MASTER_KEY") && refused.contains("does not match"),
        "{refused}"
    );
    for (args, expected) in [
        (
            vec!["server", "--database", "postgress://u@h/db"],
            "unsupported database URL scheme",
        ),
        (
            vec![
                "server",
                "--database",
                "postgres://postgres@127.0.0.1:1/x",
                "--listen",
                "127.0.0.1:0",
            ],
            "127.0.0.1:1",
        ),
    ] {
        let out = run(home.path(), &args);
        assert!(!out.status.success());
        let message = text(&out.stderr);
        let last = message.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error:") && last.contains(expected),
            "{message}"
        );
    }
    let missing = home.path().join("missing.db");
    let out = run(
        home.path(),
        &[
            "server",
            "--database",
            &format!("sqlite://{}", missing.display()),
        ],
    );
    assert!(text(&out.stderr).contains("?mode=rwc") && !missing.exists());
    for command in [
        vec!["--help"],
        vec!["server", "--help"],
        vec!["org", "--help"],
        vec!["env", "create", "--help"],
        vec!["token", "create", "--help"],
        vec!["connect", "--help"],
        vec!["secret", "set", "--help"],
    ] {
        assert!(run(home.path(), &command).status.success(), "{command:?}");
    }
}

#[test]
fn manifests_apply_idempotently_and_never_carry_secret_values() {
    let home = tempfile::tempdir().unwrap();
    let _server = Server::start(home.path(), &[], &[]).unwrap();
    let planted = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYplantedKEY";
    let set = run_with_stdin(
        home.path(),
        &["secret", "set", "aws-key", "--stdin"],
        &format!("{planted}\n"),
    );
    assert!(set.status.success(), "{}", text(&set.stderr));
    let set = run(
        home.path(),
        &["secret", "set", "aws-key-id", "AKIAIOSFODNN7EXAMPLE"],
    );
    assert!(set.status.success(), "{}", text(&set.stderr));
    let manifest = |region: &str| {
        format!(
            "apiVersion: lanyard.dev/v1\nkind: Connection\nmetadata:\n  name: aws-prod\nspec:\n  \
             provider: aws\n  fields:\n    account_id: '123456789012'\n    access_key_id:\n      \
             secret: aws-key-id\n    secret_access_key:\n      secret: aws-key\n    region: {region}\n"
        )
    };
    let file = home.path().join("aws.yaml");
    std::fs::write(&file, manifest("eu-west-1")).unwrap();
    let apply = |expect: &str| {
        let out = run(home.path(), &["apply", "-f", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(expect), "{}", text(&out.stdout));
    };
    apply("connection/aws-prod created");
    apply("connection/aws-prod unchanged");
    std::fs::write(&file, manifest("us-east-1")).unwrap();
    apply("~ region: \"us-east-1\"");
    let got = run(
        home.path(),
        &["get", "connection", "aws-prod", "-o", "yaml"],
    );
    let got: serde_norway::Value = serde_norway::from_slice(&got.stdout).unwrap();
    assert_eq!(
        got["spec"]["fields"]["secret_access_key"]["secret"],
        "aws-key"
    );
    assert_eq!(got["spec"]["fields"]["region"], "us-east-1");
    // A literal for a secret field is refused, and nothing is created.
    let leaky = manifest("us-east-1").replace("aws-prod", "leaky").replace(
        "    secret_access_key:\n      secret: aws-key\n",
        &format!("    secret_access_key: {planted}\n"),
    );
    std::fs::write(&file, leaky).unwrap();
    let out = run(home.path(), &["apply", "-f", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("secret_access_key` is secret"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains(planted));
    // No command shows the planted value.
    for args in [
        vec!["connection", "get", "aws-prod"],
        vec!["connection", "list", "-o", "json"],
        vec!["secret", "list", "-o", "yaml"],
        vec!["secret", "versions", "aws-key", "-o", "json"],
        vec!["get", "connection", "aws-prod", "-o", "json"],
        vec!["connection", "get", "leaky"],
    ] {
        let out = run(home.path(), &args);
        assert!(
            !text(&out.stdout).contains(planted) && !text(&out.stderr).contains(planted),
            "{args:?}"
        );
    }
}

/// On a terminal, `connect` asks for every missing required field, secret ones without echo.
#[test]
fn connect_wizard_asks_for_missing_fields_on_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let _server = Server::start(home.path(), &[], &[]).unwrap();
    let mut command = lanyard_with_stdin(home.path());
    command.args([
        "connect",
        "aws",
        "--name",
        "wizard",
        "--no-verify",
        "--field",
        "account_id=123456789012",
    ]);
    command.env("TERM", "dumb");
    let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
    let planted = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYwizardKEY1";
    session.exp_string("access_key_id (hidden)").unwrap();
    session.send_line("AKIAIOSFODNN7EXAMPLE").unwrap();
    session.exp_string("secret_access_key (hidden)").unwrap();
    session.send_line(planted).unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("Connected aws as `wizard`"), "{rest}");
    assert!(!rest.contains(planted), "the hidden value was echoed");
    let got = run(home.path(), &["connection", "get", "wizard", "-o", "json"]);
    let got: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(
        got["fields"]["secret_access_key"]["secret"]["name"],
        "wizard-secret-access-key"
    );
    // Without a terminal, missing fields are one error listing every one with its help text.
    let out = run(
        home.path(),
        &[
            "connect",
            "aws",
            "--name",
            "batch",
            "--field",
            "account_id=123456789012",
        ],
    );
    assert!(!out.status.success());
    let message = text(&out.stderr);
    assert!(
        message.contains("missing required field access_key_id")
            && message.contains("missing required field secret_access_key"),
        "{message}"
    );
}

/// The product page's Getting Started flow, as a user types it, with its refusals.
#[test]
fn getting_started_resolves_only_what_is_authorized() {
    let home = tempfile::tempdir().unwrap();
    let _server = Server::start(home.path(), &[], &[]).unwrap();
    let ok = |args: &[&str]| {
        let out = run(home.path(), args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        out
    };
    ok(&["env", "create", "dev"]);
    ok(&["env", "create", "prod"]);
    ok(&[
        "connect",
        "aws",
        "--name",
        "aws-dev",
        "--no-verify",
        "-f",
        "account_id=123456789012",
        "-f",
        "access_key_id=AKIAIOSFODNN7EXAMPLE",
        "-f",
        "secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]);
    let missing = run(
        home.path(),
        &[
            "connection",
            "default",
            "resolve",
            "--provider",
            "aws",
            "--env",
            "dev",
        ],
    );
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("lanyard connection default set --provider aws"),
        "{}",
        text(&missing.stderr)
    );
    let set = ok(&[
        "connection",
        "default",
        "set",
        "--provider",
        "aws",
        "--connection",
        "aws-dev",
        "--env",
        "dev",
    ]);
    assert!(
        text(&set.stderr).contains("warning: connection `aws-dev` is not authorized"),
        "{}",
        text(&set.stderr)
    );
    let unauthorized = run(
        home.path(),
        &[
            "connection",
            "default",
            "resolve",
            "--provider",
            "aws",
            "--env",
            "dev",
            "-o",
            "json",
        ],
    );
    assert!(!unauthorized.status.success());
    let json: serde_json::Value = serde_json::from_slice(&unauthorized.stdout).unwrap();
    assert_eq!(
        (json["connection"].as_str(), json["authorized"].as_bool()),
        (Some("aws-dev"), Some(false))
    );
    assert!(text(&unauthorized.stderr)
        .contains("lanyard connection authorization create --provider aws --connection aws-dev"));
    ok(&[
        "connection",
        "auth",
        "create",
        "--provider",
        "aws",
        "--connection",
        "aws-dev",
        "--scope",
        "environment",
        "--environments",
        "dev",
    ]);
    let resolved = ok(&[
        "connection",
        "default",
        "resolve",
        "--provider",
        "aws",
        "--env",
        "dev",
        "-o",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&resolved.stdout).unwrap();
    assert_eq!(json["source"], "environment_default");
    assert_eq!(json["authorized"], true);
    assert_eq!(json["checked"][0]["layer"], "environment_default");
    // prod has no default: never a fallback to the authorized dev connection.
    let prod = run(
        home.path(),
        &[
            "connection",
            "default",
            "resolve",
            "--provider",
            "aws",
            "--env",
            "prod",
        ],
    );
    assert!(!prod.status.success());
    let matrix = ok(&["connection", "matrix", "-o", "json"]);
    let matrix: serde_json::Value = serde_json::from_slice(&matrix.stdout).unwrap();
    assert_eq!(
        matrix["rows"][0]["cells"],
        serde_json::json!(["default", "not_authorized"])
    );
    let verify = ok(&["audit", "verify"]);
    assert!(text(&verify.stdout).contains("intact"));
    let events = ok(&[
        "audit",
        "list",
        "--connection",
        "aws-dev",
        "--since",
        "1h",
        "-o",
        "json",
    ]);
    let events: serde_json::Value = serde_json::from_slice(&events.stdout).unwrap();
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "connection.resolve"));
}
