//! A real npm registry for tests: verdaccio 6.8 (from the npm registry, installed by
//! `scripts/test-deps` under `$LANYARD_TEST_NPM/verdaccio`), offline (no uplinks), htpasswd
//! auth, every package readable and publishable only by a logged-in user, on a free loopback
//! port in a temporary directory; stopped when dropped.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running verdaccio that knows one user.
pub struct Verdaccio {
    child: Child,
    port: u16,
    token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Verdaccio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `scripts/test-deps` installs npm-based test tools.
pub fn npm_tools() -> PathBuf {
    std::env::var_os("LANYARD_TEST_NPM")
        .map_or_else(|| PathBuf::from("/opt/lanyard-npm"), PathBuf::from)
}

impl Verdaccio {
    /// Starts verdaccio and creates `user` with `password`; [`Verdaccio::token`] is theirs.
    #[track_caller]
    pub fn start(user: &str, password: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = dir.path().join("config.yaml");
        std::fs::write(
            &config,
            format!(
                "storage: {storage}\nauth: {{ htpasswd: {{ file: {htpasswd}, max_users: 100 }} }}\n\
                 uplinks: {{}}\npackages:\n  '@*/*': {{ access: $authenticated, publish: $authenticated }}\n  \
                 '**': {{ access: $authenticated, publish: $authenticated }}\n\
                 listen: 127.0.0.1:{port}\nlog: {{ type: stdout, format: pretty, level: warn }}\n",
                storage = dir.path().join("storage").display(),
                htpasswd = dir.path().join("htpasswd").display(),
            ),
        )
        .expect("write the verdaccio config");
        let bin = npm_tools().join("verdaccio/node_modules/.bin/verdaccio");
        let child = Command::new(&bin)
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} (scripts/test-deps installs it): {e}", bin.display()));
        let mut verdaccio = Self {
            child,
            port,
            token: String::new(),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while verdaccio.request("GET", "/-/ping", "").0 != Some(200) {
            assert!(
                Instant::now() < deadline,
                "verdaccio did not answer within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let body = format!(r#"{{"name":"{user}","password":"{password}","type":"user"}}"#);
        let (status, answer) =
            verdaccio.request("PUT", &format!("/-/user/org.couchdb.user:{user}"), &body);
        assert_eq!(status, Some(201), "creating the user: {answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).expect("a JSON answer");
        verdaccio.token = answer["token"].as_str().expect("a token").to_owned();
        verdaccio
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The user's auth token (what `npm login` would save).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// One plain HTTP/1.0 request (no chunked answer to decode): the status and the body.
    fn request(&self, method: &str, path: &str, body: &str) -> (Option<u16>, String) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (None, String::new());
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let sent = write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut response = String::new();
        if sent.is_err() || stream.read_to_string(&mut response).is_err() {
            return (None, String::new());
        }
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok());
        let body = response
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_owned();
        (status, body)
    }
}
