//! `lanyard run`, jobs and runners end to end: what a job may start, what its output and logs
//! may show, and how jobs end when runners or the server go away.

use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::support::{random_alnum, Backend, Sandbox};

lanyard_testkit::backend_tests!(
    a_job_shows_no_secret_in_any_form,
    an_unauthorized_job_never_starts_its_command,
    a_job_inherits_none_of_the_servers_secrets,
    a_killed_runner_fails_its_job_and_a_restarted_one_takes_new_jobs,
    a_job_running_when_the_server_stops_ends_failed,
    following_a_job_survives_a_restart_and_names_a_lost_server,
    credential_files_live_in_memory_and_leave_with_the_job,
    masks_hide_secrets_not_structure,
    a_printed_part_of_a_secret_is_masked,
    two_connections_never_write_one_variable,
    operators_pass_settings_to_jobs_but_never_credentials,
);

/// A GitHub connection `gh` with this token, authorized everywhere and the default.
pub fn connect_github(sandbox: &Sandbox, token: &str) {
    sandbox
        .run(&[
            "connect",
            "github",
            "--name",
            "gh",
            "--field",
            &format!("token={token}"),
        ])
        .ok();
    authorize_and_default(sandbox, "github", "gh");
}

/// Authorizes connection `name` of `provider` in environment `env` only.
pub fn authorize_in(sandbox: &Sandbox, provider: &str, name: &str, env: &str) {
    sandbox
        .run(&[
            "connection",
            "auth",
            "create",
            "--provider",
            provider,
            "--connection",
            name,
            "--scope",
            "environment",
            "--environments",
            env,
        ])
        .ok();
}

pub fn authorize_and_default(sandbox: &Sandbox, provider: &str, name: &str) {
    sandbox
        .run(&[
            "connection",
            "auth",
            "create",
            "--provider",
            provider,
            "--connection",
            name,
            "--scope",
            "organization",
        ])
        .ok();
    sandbox
        .run(&[
            "connection",
            "default",
            "set",
            "--provider",
            provider,
            "--connection",
            name,
        ])
        .ok();
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every printed form of every planted value, for the assertions.
struct Planted {
    token: String,
    password: String,
    pem_line: String,
}

impl Planted {
    fn new() -> Self {
        Self {
            token: format!("ghp_{}", random_alnum(36)),
            password: format!("{}@/\"+ &{}", random_alnum(10), random_alnum(6)),
            pem_line: random_alnum(64),
        }
    }

    /// Forms a leak could take: raw, base64 (whole-group part), URL-encoded, JSON-escaped.
    fn forms(&self) -> Vec<String> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s)[..16].to_owned();
        vec![
            self.token.clone(),
            self.password.clone(),
            self.pem_line.clone(),
            b64(&self.token),
            b64(&self.password),
            self.password.replace('@', "%40").replace('/', "%2F"),
            self.password.replace('"', "\\\""),
            self.token[4..20].to_owned(),
        ]
    }

    #[track_caller]
    fn assert_absent(&self, what: &str, haystack: &[u8]) {
        for form in self.forms() {
            assert!(
                !contains(haystack, &form),
                "{what} shows a secret (`{form}`):\n{}",
                String::from_utf8_lossy(haystack)
            );
        }
    }
}

/// Prints every planted secret raw, in base64 at three alignments, URL-encoded, inside JSON,
/// split across two writes, and the PEM key line by line.
const LEAKY_SCRIPT: &str = r#"
echo "raw: $GITHUB_TOKEN $SNOWFLAKE_PASSWORD"
printf %s "$GITHUB_TOKEN" | base64
printf %s "x$GITHUB_TOKEN" | base64
printf %s "xy$SNOWFLAKE_PASSWORD" | base64
/usr/bin/python3 -c 'import os,urllib.parse;print(urllib.parse.quote(os.environ["SNOWFLAKE_PASSWORD"],safe=""))'
/usr/bin/python3 -c 'import os,json;print(json.dumps({"password":os.environ["SNOWFLAKE_PASSWORD"],"token":os.environ["GITHUB_TOKEN"]}))'
printf %s "$GITHUB_TOKEN" | head -c 11; sleep 0.3; printf '%s\n' "$GITHUB_TOKEN" | tail -c +12
echo "to stderr: $GITHUB_TOKEN" >&2
echo done
"#;

/// Prints a PEM key line by line, each line its own write.
const PEM_SCRIPT: &str = r#"
printf '%s\n' "$SNOWFLAKE_PRIVATE_KEY" | while IFS= read -r line; do echo "$line"; sleep 0.02; done
echo key done
"#;

async fn a_job_shows_no_secret_in_any_form(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let planted = Planted::new();
    connect_github(&sandbox, &planted.token);
    sandbox
        .run(&[
            "connect",
            "snowflake",
            "--name",
            "warehouse",
            "--field",
            "account=acme-analytics",
            "--field",
            "username=TERRAFORM_SVC",
            "--field",
            &format!("password={}", planted.password),
        ])
        .ok();
    authorize_and_default(&sandbox, "snowflake", "warehouse");
    let key = sandbox.home().join("key.pem");
    std::fs::write(
        &key,
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            planted.pem_line
        ),
    )
    .unwrap();
    sandbox
        .run(&[
            "connect",
            "snowflake",
            "--name",
            "warehouse-key",
            "--field",
            "account=acme-analytics",
            "--field",
            "username=TERRAFORM_SVC",
            "--field",
            &format!("private_key=@{}", key.display()),
        ])
        .ok();
    sandbox
        .run(&[
            "connection",
            "auth",
            "create",
            "--provider",
            "snowflake",
            "--connection",
            "warehouse-key",
            "--scope",
            "organization",
        ])
        .ok();

    let run = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--provider",
        "github",
        "--provider",
        "snowflake",
        "--",
        "sh",
        "-c",
        LEAKY_SCRIPT,
    ]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(run.stdout.contains("raw: [REDACTED] [REDACTED]"), "{run:?}");
    assert!(run.stdout.contains("done"), "{run:?}");
    assert!(run.stderr.contains("to stderr: [REDACTED]"), "{run:?}");
    planted.assert_absent("`lanyard run` stdout", run.stdout.as_bytes());
    planted.assert_absent("`lanyard run` stderr", run.stderr.as_bytes());

    let pem = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--connection",
        "warehouse-key",
        "--",
        "sh",
        "-c",
        PEM_SCRIPT,
    ]);
    assert_eq!(pem.status.code(), Some(0), "{pem:?}");
    assert!(pem.stdout.contains("key done"), "{pem:?}");
    planted.assert_absent("the PEM job's output", pem.stdout.as_bytes());

    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    let id = jobs[1]["id"].as_str().expect("a job id").to_owned();
    assert_eq!(jobs[1]["status"], "succeeded", "{jobs}");
    let logs = sandbox.run(&["job", "logs", &id]).ok();
    assert!(logs.stdout.contains("done"), "{logs:?}");
    planted.assert_absent(
        "`job logs`",
        format!("{}{}", logs.stdout, logs.stderr).as_bytes(),
    );

    // Where the credential went: this job, in dev, with the secret versions released.
    let usage = sandbox
        .run(&["connection", "usage", "gh", "-o", "json"])
        .json();
    assert_eq!(usage["environments"], serde_json::json!(["dev"]), "{usage}");
    assert_eq!(usage["releases"][0]["job"], id.as_str(), "{usage}");
    assert_eq!(usage["releases"][0]["secrets"][0]["version"], 1, "{usage}");

    let log = server.stop();
    planted.assert_absent(
        "the server log",
        format!("{}{}", log.stdout, log.stderr).as_bytes(),
    );
    planted.assert_absent("the database", &sandbox.database_bytes().await);
}

async fn an_unauthorized_job_never_starts_its_command(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    sandbox.run(&["env", "create", "prod"]).ok();
    let token = format!("ghp_{}", random_alnum(36));
    sandbox
        .run(&[
            "connect",
            "github",
            "--name",
            "gh",
            "--field",
            &format!("token={token}"),
        ])
        .ok();
    authorize_in(&sandbox, "github", "gh", "dev");
    sandbox
        .run(&[
            "connection",
            "default",
            "set",
            "--provider",
            "github",
            "--connection",
            "gh",
        ])
        .ok();
    let marker = sandbox.shared().join("marker");
    let touch = format!("touch {}", marker.display());

    let refused = sandbox.run(&[
        "run",
        "--env",
        "prod",
        "--provider",
        "github",
        "--",
        "sh",
        "-c",
        &touch,
    ]);
    assert_eq!(refused.status.code(), Some(125), "{refused:?}");
    assert!(refused.stderr.contains("not authorized"), "{refused:?}");
    assert!(
        refused.stderr.contains("lanyard connection"),
        "names the fix: {refused:?}"
    );
    // No default at all for a provider: refused too, naming the command that fixes it.
    let missing = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--provider",
        "aws",
        "--",
        "sh",
        "-c",
        &touch,
    ]);
    assert_eq!(missing.status.code(), Some(125), "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("connection default set --provider aws"),
        "{missing:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(!marker.exists(), "an unauthorized job ran its command");
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    assert_eq!(jobs, serde_json::json!([]), "no job is created: {jobs}");

    // The same command where it is authorized runs, and its exit code comes back.
    let ran = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--provider",
        "github",
        "--",
        "sh",
        "-c",
        &format!("{touch}; exit 7"),
    ]);
    assert_eq!(ran.status.code(), Some(7), "{ran:?}");
    assert!(marker.exists());
    let missing_command = sandbox.run(&["run", "--env", "dev", "--", "no-such-command-xyz"]);
    assert_eq!(
        missing_command.status.code(),
        Some(127),
        "{missing_command:?}"
    );
}

async fn a_job_inherits_none_of_the_servers_secrets(backend: Backend) {
    let mut sandbox = Sandbox::new(backend).await;
    let key = crate::support::random_master_key();
    sandbox.master_key = Some(key.clone());
    let cloud_secret = format!("host-aws-secret-{}", random_alnum(12));
    let server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[
                ("AWS_SECRET_ACCESS_KEY", &cloud_secret),
                ("AWS_ACCESS_KEY_ID", "AKIAHOSTHOSTHOST0000"),
            ],
        )
        .expect("server starts");
    sandbox.run(&["env", "create", "dev"]).ok();
    let run = sandbox.run(&["run", "--env", "dev", "--", "sh", "-c", "env; ls -a ~"]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(
        !run.stdout.contains(&key),
        "the master key reached the job: {run:?}"
    );
    assert!(!run.stdout.contains("LANYARD_"), "{run:?}");
    assert!(
        !run.stdout.contains("AWS_"),
        "the host's cloud credentials reached the job: {run:?}"
    );
    assert!(run.stdout.contains("PATH="), "{run:?}");
    let home = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("HOME="))
        .expect("HOME is set");
    assert!(home.contains("/job-"), "the job has its own home: {home}");
    assert!(
        !std::path::Path::new(home).exists(),
        "the job directory is removed afterwards"
    );
    drop(server);
}

/// Credential files live in memory (`/dev/shm`) where the machine has it, never on a disk:
/// readable by the job, in a 0700 directory of their own, and gone when it ends.
async fn credential_files_live_in_memory_and_leave_with_the_job(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let kubeconfig = sandbox.home().join("kubeconfig.yaml");
    std::fs::write(&kubeconfig, lanyard_providers::examples::kubeconfig()).unwrap();
    sandbox
        .run(&[
            "connect",
            "kubernetes",
            "--name",
            "cluster",
            "--field",
            &format!("kubeconfig=@{}", kubeconfig.display()),
        ])
        .ok();
    authorize_and_default(&sandbox, "kubernetes", "cluster");
    let script = r#"echo "path=$KUBECONFIG"; test -r "$KUBECONFIG" && echo readable;
        stat -c "dir=%a" "$(dirname "$(dirname "$KUBECONFIG")")""#;
    let run = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--provider",
        "kubernetes",
        "--",
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(run.stdout.contains("readable"), "{run:?}");
    assert!(run.stdout.contains("dir=700"), "{run:?}");
    let path = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("path="))
        .expect("KUBECONFIG is set");
    if std::path::Path::new("/dev/shm").is_dir() {
        assert!(
            path.starts_with("/dev/shm/lanyard-builtin-") && path.contains("/creds-"),
            "{path}"
        );
    }
    assert!(
        !std::path::Path::new(path).exists(),
        "the credential file is removed with the job: {path}"
    );
    drop(server);
}

/// Polls `job get` until the job's status is `want`.
#[track_caller]
pub fn wait_for_status(sandbox: &Sandbox, id: &str, want: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let job = sandbox.run(&["job", "get", id, "-o", "json"]).json();
        if job["status"] == want {
            return job;
        }
        assert!(Instant::now() < deadline, "job never became {want}: {job}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `job logs` until the output contains `needle`; returns it.
#[track_caller]
fn wait_for_output(sandbox: &Sandbox, id: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = sandbox.run(&["job", "logs", id]).ok();
        if logs.stdout.contains(needle) {
            return logs.stdout;
        }
        assert!(
            Instant::now() < deadline,
            "no `{needle}` in the job's output: {logs:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn a_killed_runner_fails_its_job_and_a_restarted_one_takes_new_jobs(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox
        .try_start("127.0.0.1:0", &[], &[("LANYARD_RUNNER_TIMEOUT", "3")])
        .expect("server starts");
    sandbox.run(&["env", "create", "dev"]).ok();
    let token = format!("ghp_{}", random_alnum(36));
    connect_github(&sandbox, &token);
    let credentials = sandbox.home().join("runner.json");
    let registered = sandbox.run(&[
        "runner",
        "register",
        "edge",
        "--credentials-file",
        credentials.to_str().unwrap(),
    ]);
    assert!(registered.status.success(), "{registered:?}");
    assert_eq!(crate::support::mode(&credentials), 0o600);
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    assert_eq!(document["server_url"], server.url(), "{document}");
    let runner_token = document["token"].as_str().unwrap().to_owned();
    assert!(runner_token.starts_with("lyr_"));

    // The runner token takes jobs and nothing else.
    let refused = sandbox.run(&["--token", &runner_token, "env", "list"]);
    assert!(refused.error_line().contains("not valid"), "{refused:?}");

    let args = [
        "runner",
        "start",
        "--credentials-file",
        credentials.to_str().unwrap(),
    ];
    let runner = sandbox.spawn(&args, &[("LANYARD_MASTER_KEY", "not-for-jobs")]);
    let marker = sandbox.shared().join("started");
    let script = format!(
        "echo token=$GITHUB_TOKEN; touch {}; sleep 60",
        marker.display()
    );
    let started = sandbox
        .run(&[
            "run",
            "--detach",
            "--runner",
            "edge",
            "--env",
            "dev",
            "--provider",
            "github",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .ok();
    let id = started.stdout.trim().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "the runner never started the job: {}",
            runner.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let job = wait_for_status(&sandbox, &id, "running");
    assert_eq!(job["runner"], "edge", "{job}");
    let logs = wait_for_output(&sandbox, &id, "token=");
    assert!(logs.contains("token=[REDACTED]"), "{logs}");
    assert!(!logs.contains(&token), "{logs}");

    let crashed = runner.kill();
    let failed = wait_for_status(&sandbox, &id, "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or_default()
            .contains("stopped responding"),
        "{failed}"
    );
    assert!(
        !crashed.stdout.contains(&token) && !crashed.stderr.contains(&token),
        "{crashed:?}"
    );

    // A restarted runner takes the next job; `lanyard run` streams it and returns its code.
    let runner = sandbox.spawn(&args, &[]);
    let ran = sandbox.run(&[
        "run",
        "--runner",
        "edge",
        "--env",
        "dev",
        "--provider",
        "github",
        "--",
        "sh",
        "-c",
        "echo again $GITHUB_TOKEN; exit 4",
    ]);
    assert_eq!(
        ran.status.code(),
        Some(4),
        "{ran:?} runner: {}",
        runner.output()
    );
    assert!(ran.stdout.contains("again [REDACTED]"), "{ran:?}");
    let runners = sandbox.run(&["runner", "list", "-o", "json"]).json();
    assert_eq!(runners[0]["online"], true, "{runners}");
    drop(runner);
}

async fn a_job_running_when_the_server_stops_ends_failed(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox
        .try_start("127.0.0.1:0", &[], &[("LANYARD_RUNNER_TIMEOUT", "3")])
        .expect("server starts");
    sandbox.run(&["env", "create", "dev"]).ok();
    let started = sandbox
        .run(&["run", "--detach", "--env", "dev", "--", "sleep", "60"])
        .ok();
    let id = started.stdout.trim().to_owned();
    wait_for_status(&sandbox, &id, "running");
    let addr = server.addr.clone();
    server.stop();
    // Same address: the CLI profile points there.
    let _server = sandbox
        .try_start(&addr, &[], &[("LANYARD_RUNNER_TIMEOUT", "3")])
        .expect("server restarts");
    let job = wait_for_status(&sandbox, &id, "failed");
    assert!(job["finished_at"].is_string(), "{job}");
}

/// `lanyard run` follows its job across a server restart, and says which server it lost (exit
/// 125) when none comes back, instead of a decoding error.
async fn following_a_job_survives_a_restart_and_names_a_lost_server(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let timeout = [("LANYARD_RUNNER_TIMEOUT", "3")];
    let server = sandbox
        .try_start("127.0.0.1:0", &[], &timeout)
        .expect("server starts");
    sandbox.run(&["env", "create", "dev"]).ok();
    let follow = |grace: &'static str| {
        let run = [
            "run",
            "--env",
            "dev",
            "--",
            "sh",
            "-c",
            "echo started; sleep 60",
        ];
        let running = sandbox.spawn(&run, &[("LANYARD_RECONNECT_SECS", grace)]);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !running.output().contains("started") {
            assert!(Instant::now() < deadline, "{}", running.output());
            std::thread::sleep(Duration::from_millis(50));
        }
        running
    };

    // A restart within the grace: the same `lanyard run` sees its job end (failed: it died
    // with the server) and exits like any failed job.
    let running = follow("30");
    let addr = server.addr.clone();
    server.kill();
    let server = sandbox
        .try_start(&addr, &[], &timeout)
        .expect("server restarts");
    let ended = running.wait();
    assert_eq!(ended.status.code(), Some(125), "{ended:?}");
    assert!(ended.stderr.contains("failed"), "{ended:?}");
    assert_eq!(ended.stdout.matches("started").count(), 1, "{ended:?}");
    assert!(!ended.stderr.contains("decoding"), "{ended:?}");

    // No server comes back: a clear message naming it, status 125.
    let running = follow("2");
    let url = server.url();
    server.kill();
    let lost = running.wait();
    assert_eq!(lost.status.code(), Some(125), "{lost:?}");
    assert!(
        lost.stderr
            .contains(&format!("lost the Lanyard server at {url}")),
        "{lost:?}"
    );
    assert!(lost.stderr.contains("lanyard job logs -f"), "{lost:?}");
}

/// A kubeconfig printed whole shows where it points (cluster address, contexts) and hides its
/// token; the masked line keeps its line break; the real kubectl reads it as it is given; on the
/// built-in and an external runner alike.
async fn masks_hide_secrets_not_structure(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let token = format!("kube-token-{}", random_alnum(32));
    let kubeconfig = lanyard_providers::examples::kubeconfig()
        .replace(lanyard_providers::examples::KUBE_TOKEN, &token)
        + "preferences: {}\n";
    let file = sandbox.home().join("kubeconfig.yaml");
    std::fs::write(&file, &kubeconfig).unwrap();
    sandbox
        .run(&[
            "connect",
            "kubernetes",
            "--name",
            "cluster",
            "-f",
            &format!("kubeconfig=@{}", file.display()),
        ])
        .ok();
    authorize_and_default(&sandbox, "kubernetes", "cluster");
    let runner = sandbox.start_runner("edge", &[]);
    for on in [None, Some("edge")] {
        let mut args = vec!["run", "--env", "dev", "-p", "kubernetes"];
        args.extend(on.map(|r| ["--runner", r]).into_iter().flatten());
        let script = "cat \"$KUBECONFIG\"; echo \"context=$(kubectl config current-context)\"; \
                      echo \"token=$(kubectl config view --raw -o jsonpath='{.users[0].user.token}')\"";
        args.extend(["--", "sh", "-c", script]);
        let shown = sandbox.run(&args);
        assert_eq!(
            shown.status.code(),
            Some(0),
            "{shown:?} {}",
            runner.output()
        );
        for readable in [
            "server: https://203.0.113.10:6443",
            "current-context: prod",
            "user: deployer",
            "context=prod\n",
            "token=[REDACTED]\n",
        ] {
            assert!(shown.stdout.contains(readable), "{on:?}: {shown:?}");
        }
        assert!(!shown.stdout.contains(&token), "{on:?}: {shown:?}");
        assert!(
            shown
                .stdout
                .contains("    token: [REDACTED]\npreferences: {}"),
            "{on:?}: the masked line keeps its line break: {shown:?}"
        );
    }
    drop(runner);
}

/// `cut -c1-30` of a 40-character token prints 30 of its characters: they are masked too, while
/// the prose and identifiers around them stay readable.
async fn a_printed_part_of_a_secret_is_masked(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let token = format!("ghp_{}", random_alnum(36));
    connect_github(&sandbox, &token);
    let script = "printf '%s\\n' \"$GITHUB_TOKEN\" | cut -c1-30; \
                  printf 'tail %s\\n' \"$(printf %s \"$GITHUB_TOKEN\" | cut -c25-40)\"; \
                  echo 'pushing release v1.2.3 to octo-org/deploy-tools as octo-deployer'";
    let shown = sandbox.run(&[
        "run", "--env", "dev", "-p", "github", "--", "sh", "-c", script,
    ]);
    assert_eq!(shown.status.code(), Some(0), "{shown:?}");
    assert!(!shown.stdout.contains(&token[..30]), "{shown:?}");
    assert!(!shown.stdout.contains(&token[24..]), "{shown:?}");
    assert!(
        shown.stdout.contains("[REDACTED]\ntail [REDACTED]\n"),
        "{shown:?}"
    );
    assert!(
        shown
            .stdout
            .contains("pushing release v1.2.3 to octo-org/deploy-tools as octo-deployer"),
        "{shown:?}"
    );
}

/// An AWS connection and an ECR registry with other keys would both set `AWS_ACCESS_KEY_ID`:
/// the job is refused before its command runs, naming both. (A Terraform S3 backend beside an
/// AWS connection is fine: its keys go through a profile of its own, see `terraform.rs`.)
async fn two_connections_never_write_one_variable(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connect = |args: &[&str]| {
        let mut full = vec!["connect"];
        full.extend_from_slice(args);
        full.push("--no-verify");
        sandbox.run(&full).ok();
    };
    let deployer_secret = format!("secret_access_key={}", random_alnum(40));
    connect(&[
        "aws",
        "--name",
        "aws-dev",
        "-f",
        "account_id=123456789012",
        "-f",
        "access_key_id=AKIAIOSFODNN7EXAMPLE",
        "-f",
        &deployer_secret,
    ]);
    authorize_and_default(&sandbox, "aws", "aws-dev");
    let registry_secret = format!("secret_access_key={}", random_alnum(40));
    connect(&[
        "container-registry",
        "--name",
        "state",
        "--kind",
        "ecr",
        "-f",
        "account_id=123456789012",
        "-f",
        "region=us-east-1",
        "-f",
        "access_key_id=AKIAI44QH8DHBEXAMPLE",
        "-f",
        &registry_secret,
    ]);
    authorize_and_default(&sandbox, "container-registry", "state");
    let marker = sandbox.shared().join("ran");
    let run = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "-p",
        "aws",
        "-p",
        "container-registry",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(125), "{run:?}");
    for says in ["`aws-dev`", "`state`", "AWS_ACCESS_KEY_ID", "two jobs"] {
        assert!(run.stderr.contains(says), "{says}: {run:?}");
    }
    assert!(!marker.exists(), "the command ran");
}

/// A runner behind a proxy passes its proxy settings to jobs (`LANYARD_JOB_PASS_ENV`); a name
/// that looks like a credential is refused when the server starts.
async fn operators_pass_settings_to_jobs_but_never_credentials(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let refused = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[("LANYARD_JOB_PASS_ENV", "HTTPS_PROXY,GITHUB_TOKEN")],
        )
        .err()
        .expect("a credential in the pass-through list is refused");
    let line = refused.server_error_line();
    assert!(line.contains("GITHUB_TOKEN"), "{line}");
    assert!(line.contains("looks like a credential"), "{line}");

    let _server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[
                ("LANYARD_JOB_PASS_ENV", "HTTPS_PROXY, NO_PROXY"),
                ("HTTPS_PROXY", "http://proxy.invalid:3128"),
                ("NO_PROXY", "127.0.0.1,localhost"),
                ("HTTP_PROXY", "http://not-passed.invalid:3128"),
            ],
        )
        .expect("server starts");
    sandbox.run(&["env", "create", "dev"]).ok();
    let run = sandbox.run(&["run", "--env", "dev", "--", "sh", "-c", "env | sort"]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(
        run.stdout.contains("HTTPS_PROXY=http://proxy.invalid:3128"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("NO_PROXY=127.0.0.1,localhost"),
        "{run:?}"
    );
    assert!(
        !run.stdout.contains("HTTP_PROXY="),
        "only listed variables pass: {run:?}"
    );
}
