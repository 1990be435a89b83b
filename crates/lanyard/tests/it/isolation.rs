//! Jobs are sealed off. A deployer limited to `dev` runs jobs that reach for what every
//! environment's secrets rest on: the server's master key and database, its process, the admin
//! token in its user's CLI profile, an external runner's token, another job's credential file.
//! Each attack is first shown to succeed with isolation switched off (so that the test proves
//! something), then to fail in the sandbox, on the built-in runner and on an external one; a
//! positive control shows that a normal job still works.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::jobs::{authorize_and_default, wait_for_status};
use crate::support::{random_alnum, Backend, Out, Sandbox, Server};

lanyard_testkit::backend_tests!(
    jobs_on_the_builtin_runner_reach_nothing_of_the_server,
    jobs_on_an_external_runner_reach_nothing_of_the_runner,
    a_killed_server_leaves_no_job_and_no_credential_file,
    a_job_is_stopped_at_its_timeout_and_its_output_cap,
);

/// One attack: a shell snippet that exits 0 exactly when it got what it reached for.
struct Attack {
    name: &'static str,
    shell: String,
}

fn attack(name: &'static str, shell: String) -> Attack {
    Attack { name, shell }
}

/// What a normal job must still be able to do: its injected AWS keys, its own credential
/// file, its work directory, the network.
fn controls(server_url: &str) -> String {
    format!(
        r#"
check() {{ if ( eval "$2" ) >/dev/null 2>&1; then echo "OK:$1"; else echo "BROKEN:$1"; fi; }}
check aws 'test -n "$AWS_ACCESS_KEY_ID" && test -n "$AWS_SECRET_ACCESS_KEY"'
check own-file 'grep -q current-context "$KUBECONFIG"'
check work-dir 'echo hi > here && test "$(cat here)" = hi'
check network '/usr/bin/python3 -c "import urllib.request;urllib.request.urlopen(\"{server_url}/healthz\",timeout=5)"'
"#
    )
}

/// The attacker's script: every attack, each printing `LEAK:name` or `SAFE:name`, then the
/// controls.
fn script(attacks: &[Attack], server_url: &str) -> String {
    let mut script = String::from(
        "try() { if ( eval \"$2\" ) >/dev/null 2>&1; then echo \"LEAK:$1\"; else echo \"SAFE:$1\"; fi; }\n",
    );
    for a in attacks {
        script.push_str(&format!(
            "try {} '{}'\n",
            a.name,
            a.shell.replace('\'', "'\\''")
        ));
    }
    script.push_str(&controls(server_url));
    script
}

/// `name` → `LEAK`/`SAFE`/`OK`/`BROKEN`, from a job's output.
fn verdicts(out: &str) -> BTreeMap<String, String> {
    out.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(v, _)| ["LEAK", "SAFE", "OK", "BROKEN"].contains(v))
        .map(|(v, name)| (name.trim().to_owned(), v.to_owned()))
        .collect()
}

#[track_caller]
fn assert_all(run: &Out, attacks: &[Attack], want: &str) {
    let got = verdicts(&run.stdout);
    for a in attacks {
        assert_eq!(
            got.get(a.name).map(String::as_str),
            Some(want),
            "attack `{}` ({}): {run:?}",
            a.name,
            a.shell
        );
    }
    for control in ["aws", "own-file", "work-dir", "network"] {
        assert_eq!(
            got.get(control).map(String::as_str),
            Some("OK"),
            "a normal job must still {control}: {run:?}"
        );
    }
}

/// Reads another process's memory through ptrace (PTRACE_SEIZE stops nothing).
fn trace(pid: u32) -> String {
    format!(
        "/usr/bin/python3 -c 'import ctypes,sys; l=ctypes.CDLL(None); \
         sys.exit(0 if l.ptrace(0x4206, {pid}, 0, 0) == 0 else 1)'"
    )
}

/// A listening abstract UNIX socket on the host (D-Bus, X11 and container shims use them): the
/// network namespace is shared with jobs, so only Landlock's scope keeps jobs from connecting.
struct HostSocket {
    name: String,
    _listener: std::os::unix::net::UnixListener,
}

impl HostSocket {
    fn listen() -> Self {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("lanyard-test-{}", random_alnum(12));
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
        let listener = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
        Self {
            name,
            _listener: listener,
        }
    }

    fn attack(&self) -> Attack {
        attack(
            "host-abstract-socket",
            format!(
                "/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); \
                 s.connect(chr(0)+\"{}\")'",
                self.name
            ),
        )
    }
}

/// A kubernetes and an AWS connection usable in `dev`, and a deployer token for `dev` only.
fn stage(sandbox: &Sandbox) -> String {
    sandbox.run(&["env", "create", "dev"]).ok();
    sandbox.run(&["env", "create", "prod"]).ok();
    let kubeconfig = sandbox.home().join("kubeconfig.yaml");
    std::fs::write(&kubeconfig, lanyard_providers::examples::kubeconfig()).unwrap();
    let kube = format!("kubeconfig=@{}", kubeconfig.display());
    sandbox
        .run(&["connect", "kubernetes", "--name", "cluster", "-f", &kube])
        .ok();
    authorize_and_default(sandbox, "kubernetes", "cluster");
    let secret = format!("secret_access_key={}", random_alnum(40));
    sandbox
        .run(&[
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
            &secret,
            "-f",
            "region=eu-west-1",
        ])
        .ok();
    authorize_and_default(sandbox, "aws", "aws-dev");
    sandbox.issue_token(&["--role", "deployer", "--env", "dev"])
}

/// Starts a job that holds its credential file while the attacker runs; returns its id and
/// the file's path on the host.
fn victim(sandbox: &Sandbox, runner: Option<&str>) -> (String, String) {
    let mut args = vec!["run", "--detach", "--env", "dev", "-p", "kubernetes"];
    if let Some(runner) = runner {
        args.extend(["--runner", runner]);
    }
    args.extend(["--", "sh", "-c", "echo path=$KUBECONFIG; sleep 30"]);
    let id = sandbox.run(&args).ok().stdout.trim().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = sandbox.run(&["job", "logs", &id]).ok().stdout;
        if let Some(path) = logs.lines().find_map(|l| l.strip_prefix("path=")) {
            assert!(Path::new(path).exists(), "the victim's file is on the host");
            return (id, path.to_owned());
        }
        assert!(
            Instant::now() < deadline,
            "the victim never started: {logs}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs the attacks as the deployer, on `runner` (else the built-in one).
fn attack_as(
    sandbox: &Sandbox,
    deployer: &str,
    runner: Option<&str>,
    attacks: &[Attack],
    server_url: &str,
) -> Out {
    let script = script(attacks, server_url);
    let mut args = vec!["--token", deployer, "run", "--env", "dev", "-p", "aws"];
    args.extend(["-p", "kubernetes"]);
    if let Some(runner) = runner {
        args.extend(["--runner", runner]);
    }
    args.extend(["--", "sh", "-c", &script]);
    let run = sandbox.run(&args);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    run
}

/// What every job must not reach of a server: the files of its data directory, its process,
/// its user's CLI profile, and another running job's credential file.
fn server_attacks(
    sandbox: &Sandbox,
    server: &Server,
    other_job_file: &str,
    socket: &HostSocket,
) -> Vec<Attack> {
    let data = sandbox.data_dir();
    let pid = server.pid();
    let mut attacks = vec![
        socket.attack(),
        attack(
            "server-environ",
            format!("grep -q LANYARD /proc/{pid}/environ"),
        ),
        attack(
            "server-cmdline",
            format!("grep -q server /proc/{pid}/cmdline"),
        ),
        attack("signal-server", format!("kill -0 {pid}")),
        attack("trace-server", trace(pid)),
        attack(
            "admin-profile",
            format!("grep -q lyd_ {}", sandbox.profile_path().display()),
        ),
        attack("other-job-credentials", format!("cat {other_job_file}")),
    ];
    if data.is_dir() {
        attacks.push(attack(
            "write-data-dir",
            format!("touch {}/planted", data.display()),
        ));
    }
    for file in ["master.key", "lanyard.db", "lanyard.db-wal"] {
        let path = data.join(file);
        if path.exists() {
            let name = match file {
                "master.key" => "master-key",
                "lanyard.db" => "database",
                _ => "database-wal",
            };
            attacks.push(attack(name, format!("cat {}", path.display())));
        }
    }
    attacks
}

async fn jobs_on_the_builtin_runner_reach_nothing_of_the_server(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let open = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[("LANYARD_JOB_ISOLATION", "unsandboxed")],
        )
        .expect("server starts");
    let deployer = stage(&sandbox);
    let socket = HostSocket::listen();
    let (victim_id, file) = victim(&sandbox, None);
    let attacks = server_attacks(&sandbox, &open, &file, &socket);
    let baseline = attack_as(&sandbox, &deployer, None, &attacks, &open.url());
    assert_all(&baseline, &attacks, "LEAK");
    // Defense in depth: even a job that reads the key or the first admin token cannot print
    // them (they are registered with every job's masker).
    if let Ok(key) = std::fs::read_to_string(sandbox.data_dir().join("master.key")) {
        let printed = sandbox.run(&[
            "--token",
            &deployer,
            "run",
            "--env",
            "dev",
            "--",
            "cat",
            &sandbox.data_dir().join("master.key").display().to_string(),
            &sandbox.profile_path().display().to_string(),
        ]);
        assert!(!printed.stdout.contains(key.trim()), "{printed:?}");
        assert!(printed.stdout.contains("[REDACTED]"), "{printed:?}");
        assert!(!printed.stdout.contains("lyd_"), "{printed:?}");
    }
    sandbox.run(&["job", "cancel", &victim_id]).ok();
    let _ = std::fs::remove_file(sandbox.data_dir().join("planted"));
    let addr = open.addr.clone();
    open.stop();

    let server = sandbox
        .try_start(&addr, &[], &[])
        .expect("server restarts sandboxed");
    let (victim_id, file) = victim(&sandbox, None);
    let attacks = server_attacks(&sandbox, &server, &file, &socket);
    let sealed = attack_as(&sandbox, &deployer, None, &attacks, &server.url());
    assert_all(&sealed, &attacks, "SAFE");
    assert!(!sandbox.data_dir().join("planted").exists());
    let runners = sandbox.run(&["runner", "list", "-o", "json"]).json();
    let builtin = &runners[runners.as_array().unwrap().len() - 1];
    assert_eq!(builtin["builtin"], true, "{runners}");
    assert_sealed(builtin);
    sandbox.run(&["job", "cancel", &victim_id]).ok();
}

async fn jobs_on_an_external_runner_reach_nothing_of_the_runner(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox.start(&[]);
    let deployer = stage(&sandbox);
    let path = sandbox.register_runner("edge");
    let start = ["runner", "start", "--credentials-file", &path];
    let planted = format!("runner-env-{}", random_alnum(12));
    let env = [("RUNNER_SECRET_PLANTED", planted.as_str())];
    let socket = HostSocket::listen();
    let attacks_on = |runner: &crate::support::Background, other_job_file: &str| {
        let pid = runner.pid();
        vec![
            socket.attack(),
            attack("runner-token-file", format!("grep -q lyr_ {path}")),
            attack(
                "runner-environ",
                format!("grep -q {planted} /proc/{pid}/environ"),
            ),
            attack("signal-runner", format!("kill -0 {pid}")),
            attack("trace-runner", trace(pid)),
            attack(
                "admin-profile",
                format!("grep -q lyd_ {}", sandbox.profile_path().display()),
            ),
            attack("other-job-credentials", format!("cat {other_job_file}")),
        ]
    };

    let mut open_start = start.to_vec();
    open_start.extend(["--isolation", "unsandboxed"]);
    let open = sandbox.spawn(&open_start, &env);
    let (victim_id, file) = victim(&sandbox, Some("edge"));
    let attacks = attacks_on(&open, &file);
    let baseline = attack_as(&sandbox, &deployer, Some("edge"), &attacks, &server.url());
    assert_all(&baseline, &attacks, "LEAK");
    // The runner's own token is masked in its jobs' output even when a job reads it.
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let printed = sandbox.run(&[
        "--token", &deployer, "run", "--env", "dev", "--runner", "edge", "--", "cat", &path,
    ]);
    assert!(!printed.stdout.contains(&token), "{printed:?}");
    sandbox.run(&["job", "cancel", &victim_id]).ok();
    open.kill();

    let sealed_runner = sandbox.spawn(&start, &env);
    let (victim_id, file) = victim(&sandbox, Some("edge"));
    let attacks = attacks_on(&sealed_runner, &file);
    let sealed = attack_as(&sandbox, &deployer, Some("edge"), &attacks, &server.url());
    assert_all(&sealed, &attacks, "SAFE");
    let runners = sandbox.run(&["runner", "list", "-o", "json"]).json();
    assert_sealed(&runners[0]);
    sandbox.run(&["job", "cancel", &victim_id]).ok();
}

/// A runner (as `runner list` shows it) reports the full sandbox: bubblewrap and Landlock.
#[track_caller]
fn assert_sealed(runner: &serde_json::Value) {
    let isolation = runner["isolation"].as_str().unwrap_or_default();
    assert!(isolation.starts_with("sandbox: bubblewrap"), "{runner}");
    assert!(
        isolation.contains("landlock (filesystem, abstract sockets, signals)"),
        "{runner}"
    );
}

/// Whether any process's command line contains `needle`.
fn process_running(needle: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
    })
}

async fn a_killed_server_leaves_no_job_and_no_credential_file(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let server = sandbox
        .try_start("127.0.0.1:0", &[], &[("LANYARD_RUNNER_TIMEOUT", "3")])
        .expect("server starts");
    stage(&sandbox);
    // A job that prints nothing and holds a credential file.
    let nap = format!("{}", 5000 + rand_u16() % 4000);
    let started = sandbox.shared().join("started");
    let script = format!(
        "echo path=$KUBECONFIG; touch {}; exec sleep {nap}",
        started.display()
    );
    let id = sandbox
        .run(&[
            "run",
            "--detach",
            "--env",
            "dev",
            "-p",
            "kubernetes",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .ok()
        .stdout
        .trim()
        .to_owned();
    wait_for_status(&sandbox, &id, "running");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !started.exists() {
        assert!(Instant::now() < deadline, "the job never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let file = loop {
        let logs = sandbox.run(&["job", "logs", &id]).ok().stdout;
        if let Some(path) = logs.lines().find_map(|l| l.strip_prefix("path=")) {
            break path.to_owned();
        }
        assert!(Instant::now() < deadline, "the job never printed its path");
        std::thread::sleep(Duration::from_millis(50));
    };
    let sleeper = format!("sleep {nap}");
    assert!(process_running(&sleeper));
    assert!(Path::new(&file).exists());

    let addr = server.addr.clone();
    server.kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_running(&sleeper) {
        assert!(
            Instant::now() < deadline,
            "the job outlived its server: `{sleeper}` still runs"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _server = sandbox
        .try_start(&addr, &[], &[("LANYARD_RUNNER_TIMEOUT", "3")])
        .expect("server restarts");
    assert!(
        !Path::new(&file).exists(),
        "the credential file survived the restart: {file}"
    );
    wait_for_status(&sandbox, &id, "failed");
}

async fn a_job_is_stopped_at_its_timeout_and_its_output_cap(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[
                ("LANYARD_JOB_MAX_OUTPUT_MIB", "1"),
                ("LANYARD_JOB_MAX_PROCESSES", "64"),
            ],
        )
        .expect("server starts");
    sandbox.run(&["env", "create", "dev"]).ok();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--timeout", "1s", "--", "sleep", "30"],
            "longer than its timeout of 1s",
        ),
        (
            &["--", "sh", "-c", "yes lanyard-output-cap-test"],
            "more than 1 MiB of output",
        ),
    ];
    for (args, error) in cases {
        let mut full = vec!["run", "--env", "dev"];
        full.extend_from_slice(args);
        let started = Instant::now();
        let run = sandbox.run(&full);
        assert_ne!(run.status.code(), Some(0), "{run:?}");
        assert!(run.stderr.contains(error), "{run:?}");
        assert!(started.elapsed() < Duration::from_secs(15), "{run:?}");
    }
    // An organization default applies to jobs that set none; a job's own timeout wins; only
    // an admin may change it.
    let deployer = sandbox.issue_token(&["--role", "deployer"]);
    let refused = sandbox.run(&["--token", &deployer, "org", "job-timeout", "5m"]);
    assert!(!refused.status.success(), "{refused:?}");
    sandbox.run(&["org", "job-timeout", "1s"]).ok();
    let org = sandbox.run(&["org", "get", "-o", "json"]).json();
    assert_eq!(org["job_timeout_secs"], 1, "{org}");
    let stopped = sandbox.run(&["run", "--env", "dev", "--", "sleep", "30"]);
    assert!(stopped.stderr.contains("timeout of 1s"), "{stopped:?}");
    let own = sandbox.run(&["run", "--env", "dev", "--timeout", "1m", "--", "sleep", "2"]);
    assert_eq!(own.status.code(), Some(0), "{own:?}");
    sandbox.run(&["org", "job-timeout", "--clear"]).ok();
    let org = sandbox.run(&["org", "get", "-o", "json"]).json();
    assert!(org["job_timeout_secs"].is_null(), "{org}");

    // The process limit holds inside the job: a fork bomb fails instead of taking the host.
    let bomb = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--",
        "/usr/bin/python3",
        "-c",
        FORK_BOMB,
    ]);
    let started: usize = bomb
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("started="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{bomb:?}"));
    assert!(
        started < 64,
        "the job started {started} processes: {bomb:?}"
    );
}

/// Forks sleeping children until the kernel refuses; prints how many it got.
const FORK_BOMB: &str = "
import os, time
n = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.close(1); os.close(2); time.sleep(5); os._exit(0)
    n += 1
print('started=%d' % n)
";

fn rand_u16() -> u16 {
    let s = random_alnum(4);
    s.bytes()
        .fold(0u16, |a, b| a.wrapping_mul(31).wrapping_add(u16::from(b)))
}
