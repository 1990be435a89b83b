//! Test support: a sandbox (home, profile directory, database) and the real `lanyard` binary run
//! inside it, as short-lived client commands or as a server process killed on drop.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
pub use lanyard_testkit::Backend;
use lanyard_testkit::TestDatabase;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_lanyard");
/// How long any one process may take to start, answer or stop.
const TIMEOUT: Duration = Duration::from_secs(20);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(5);
/// What the server prints on stderr once it accepts connections.
const LISTENING: &str = "Lanyard is listening on http://";

/// A base64 master key made of 32 random bytes, as an operator would generate one.
pub fn random_master_key() -> String {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `n` random letters and digits.
pub fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Unix permission bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    meta.permissions().mode() & 0o777
}

/// A finished process: exit status and everything it printed.
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Debug for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

impl Out {
    /// Asserts success.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(self.status.success(), "expected success: {self:?}");
        self
    }

    /// Asserts success and parses stdout as JSON.
    #[track_caller]
    pub fn json(self) -> serde_json::Value {
        let out = self.ok();
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:?}"))
    }

    /// Asserts a refusal: a non-zero exit, nothing on stdout, and exactly one `error:` line on
    /// stderr (no panic, no backtrace). Returns that line.
    #[track_caller]
    pub fn error_line(&self) -> &str {
        assert!(!self.status.success(), "expected a failure: {self:?}");
        assert_eq!(self.status.code(), Some(1), "exit code: {self:?}");
        assert!(self.stdout.trim().is_empty(), "stdout on failure: {self:?}");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(lines.len(), 1, "expected one stderr line: {self:?}");
        assert!(lines[0].starts_with("error: "), "{self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        lines[0]
    }

    /// Like [`Out::error_line`] for a server, whose log lines may come before its last line:
    /// that last line is the only `error:` line, and every other line is a log record.
    #[track_caller]
    pub fn server_error_line(&self) -> &str {
        assert_eq!(self.status.code(), Some(1), "exit code: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let (last, logs) = lines.split_last().expect("an error line");
        assert!(last.starts_with("error: "), "{self:?}");
        assert!(logs.iter().all(|l| is_log_record(l)), "{self:?}");
        last
    }
}

/// A tracing record: `2026-01-31T12:34:56.789Z  INFO target: message`.
fn is_log_record(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let stamp = words.next().unwrap_or_default();
    let level = words.next().unwrap_or_default();
    stamp.len() > 20
        && stamp.as_bytes()[4] == b'-'
        && stamp.contains('T')
        && ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level)
}

/// A running child whose stdout and stderr are collected by threads; killed on drop.
struct Proc {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
    exited: Option<ExitStatus>,
}

fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
    })
}

impl Proc {
    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lanyard");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Self {
            child,
            stdout,
            stderr,
            readers,
            exited: None,
        }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().expect("try_wait");
        }
        self.exited
    }

    /// Waits for the exit (killing the process after `TIMEOUT`) and for all its output.
    fn finish(&mut self) -> Out {
        self.finish_within(TIMEOUT)
    }

    /// Like [`Proc::finish`], for commands that take longer than the usual limit.
    fn finish_within(&mut self, limit: Duration) -> Out {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.try_exit() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.join_readers();
                panic!(
                    "lanyard did not exit within {limit:?}\n--- stdout ---\n{}--- stderr ---\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(POLL);
        };
        self.join_readers();
        Out {
            status,
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }

    fn join_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A long-running client process (a runner agent); killed on drop.
pub struct Background {
    proc: Proc,
}

impl Background {
    /// Everything it printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        format!("{}{}", self.proc.stdout(), self.proc.stderr())
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.proc.child.id()
    }

    /// Waits for it to exit by itself; returns its status and output.
    pub fn wait(mut self) -> Out {
        self.proc.finish()
    }

    /// Kills it with SIGKILL, as a crash or an OOM kill would.
    pub fn kill(mut self) -> Out {
        let _ = self.proc.child.kill();
        self.proc.finish()
    }
}

/// A server process that printed its listening line; killed on drop.
pub struct Server {
    proc: Proc,
    /// The bound `HOST:PORT`.
    pub addr: String,
}

impl Server {
    /// `http://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The admin token a first start printed on stdout (an indented line of its own).
    #[track_caller]
    pub fn first_token(&self) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(token) = tokens_in(&self.proc.stdout()).into_iter().next() {
                return token;
            }
            assert!(
                Instant::now() < deadline,
                "no token on stdout: {}",
                self.proc.stdout()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.proc.child.id()
    }

    /// Kills it with SIGKILL, as a crash would; returns its output.
    pub fn kill(mut self) -> Out {
        let _ = self.proc.child.kill();
        self.proc.finish()
    }

    /// Sends SIGTERM and waits for the exit; returns the whole output of the server's life.
    pub fn stop(mut self) -> Out {
        let pid = self.proc.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        self.proc.finish()
    }
}

/// Every line of `text` that is just a token (`lyd_…`, surrounding blanks ignored).
pub fn tokens_in(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("lyd_") && !l.contains(' '))
        .map(str::to_owned)
        .collect()
}

/// A home directory, a CLI profile directory, a database of one backend, and the master key
/// servers get through `LANYARD_MASTER_KEY` (always on PostgreSQL; on SQLite the data
/// directory's generated key file is used unless a test sets one).
pub struct Sandbox {
    home: tempfile::TempDir,
    database: TestDatabase,
    pub master_key: Option<String>,
}

impl Sandbox {
    pub async fn new(backend: Backend) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let database = TestDatabase::create(backend).await;
        let master_key = (backend == Backend::Postgres).then(random_master_key);
        let home = tempfile::tempdir().expect("temp home");
        // Jobs run as another user and see only what runners share with them: the home is
        // traversable (not listable) so that its `shared` directory can be shared.
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        let shared = home.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        Self {
            home,
            database,
            master_key,
        }
    }

    /// A directory servers and runners share with every job (`LANYARD_JOB_SHARED_DIRS`): the
    /// one place a job can leave a marker the test sees.
    pub fn shared(&self) -> PathBuf {
        self.home().join("shared")
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The CLI profile file (`$LANYARD_CONFIG_DIR/config.toml`).
    pub fn profile_path(&self) -> PathBuf {
        self.home().join("cfg").join("config.toml")
    }

    /// The server's `--data-dir`; created by the server itself.
    pub fn data_dir(&self) -> PathBuf {
        self.database.data_dir().join("data")
    }

    /// `lanyard` with a clean environment: no inherited `LANYARD_*`, its own home and profile
    /// directory, and backtraces enabled so that any panic or leaked backtrace shows.
    pub fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("LANYARD_") {
                command.env_remove(name);
            }
        }
        command
            .current_dir(self.home())
            .env("HOME", self.home())
            .env("LANYARD_CONFIG_DIR", self.home().join("cfg"))
            .env("LANYARD_JOB_SHARED_DIRS", self.shared())
            .env("RUST_BACKTRACE", "1")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME");
        command
    }

    /// Issues a token with `args` (e.g. `["--role", "viewer"]`) through the CLI; returns its
    /// secret.
    #[track_caller]
    pub fn issue_token(&self, args: &[&str]) -> String {
        let mut command = vec!["token", "create", "-o", "json"];
        command.extend_from_slice(args);
        self.run(&command).json()["secret"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Registers runner `name`, writing its credentials file; returns the file's path.
    pub fn register_runner(&self, name: &str) -> String {
        let credentials = self.home().join(format!("{name}.json"));
        let path = credentials.to_str().unwrap().to_owned();
        self.run(&["runner", "register", name, "--credentials-file", &path])
            .ok();
        path
    }

    /// Registers runner `name` and starts it (with `env`).
    pub fn start_runner(&self, name: &str, env: &[(&str, &str)]) -> Background {
        let path = self.register_runner(name);
        self.spawn(&["runner", "start", "--credentials-file", &path], env)
    }

    /// Runs a client command to completion.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_env(args, &[])
    }

    /// `lanyard run --env dev -c CONNECTION [OPTIONS…] -- sh -c SCRIPT`: a job in `dev` with one
    /// connection.
    pub fn run_script(&self, connection: &str, options: &[&str], script: &str) -> Out {
        let mut args = vec!["run", "--env", "dev", "-c", connection];
        args.extend_from_slice(options);
        args.extend(["--", "sh", "-c", script]);
        self.run(&args)
    }

    /// Runs a client command with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut command = self.command();
        command.args(args).envs(env.iter().copied());
        Proc::spawn(command).finish()
    }

    /// Runs a client command whose job takes long (a real terraform apply), waiting up to
    /// `limit`.
    pub fn run_within(&self, limit: Duration, args: &[&str]) -> Out {
        let mut command = self.command();
        command.args(args);
        Proc::spawn(command).finish_within(limit)
    }

    /// Starts a long-running client command (e.g. `runner start`).
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Background {
        let mut command = self.command();
        command.args(args).envs(env.iter().copied());
        Background {
            proc: Proc::spawn(command),
        }
    }

    /// Every byte the database holds (SQLite files, or each PostgreSQL table as text), to check
    /// that no secret is stored in the clear.
    pub async fn database_bytes(&self) -> Vec<u8> {
        self.database.dump(&self.data_dir()).await
    }

    /// `lanyard server` on this sandbox's database, data directory and key.
    fn server_command(&self, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = self.command();
        command
            .args(["server", "--listen", listen, "--data-dir"])
            .arg(self.data_dir());
        if let Some(url) = self.database.url() {
            command.args(["--database", &url]);
        }
        if let Some(key) = &self.master_key {
            command.env("LANYARD_MASTER_KEY", key);
        }
        command.args(extra).envs(env.iter().copied());
        command
    }

    /// Starts a server on a free port; panics with its output if it does not come up.
    #[track_caller]
    pub fn start(&self, extra: &[&str]) -> Server {
        self.try_start("127.0.0.1:0", extra, &[])
            .unwrap_or_else(|out| panic!("the server did not start: {out:?}"))
    }

    /// Starts a server on a free port whose public URL (its OIDC issuer) is its own address.
    #[track_caller]
    pub fn start_issuing(&self) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let public_url = format!("http://{listen}");
        self.try_start(&listen, &[], &[("LANYARD_PUBLIC_URL", &public_url)])
            .unwrap_or_else(|out| panic!("the server did not start: {out:?}"))
    }

    /// Starts a server; `Err` with its output if it exits before listening.
    pub fn try_start(
        &self,
        listen: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server, Out> {
        start(self.server_command(listen, extra, env))
    }

    /// Runs a server command that must fail before listening; returns its output.
    #[track_caller]
    pub fn server_refused(&self, args: &[&str]) -> Out {
        let mut command = self.command();
        command.args(args);
        match start(command) {
            Ok(server) => panic!("the server started: {:?}", server.stop()),
            Err(out) => out,
        }
    }
}

/// Spawns `command` and waits for the listening line, or for an exit before it.
fn start(command: Command) -> Result<Server, Out> {
    let mut proc = Proc::spawn(command);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let stderr = proc.stderr();
        if let Some(rest) = stderr.split(LISTENING).nth(1) {
            if let Some(addr) = rest
                .split_whitespace()
                .next()
                .filter(|_| rest.contains('\n'))
            {
                let addr = addr.to_owned();
                return Ok(Server { proc, addr });
            }
        }
        if proc.try_exit().is_some() {
            return Err(proc.finish());
        }
        if Instant::now() > deadline {
            let _ = proc.child.kill();
            let out = proc.finish();
            panic!("the server printed no listening line within {TIMEOUT:?}: {out:?}");
        }
        std::thread::sleep(POLL);
    }
}
