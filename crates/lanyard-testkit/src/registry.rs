//! A real container registry for tests: Debian's `docker-registry` (distribution 2.8) with
//! htpasswd (bcrypt) basic auth, on a free loopback port, in a temporary directory, over plain
//! http or over TLS with a self-signed certificate no client trusts by default; stopped when
//! dropped. `scripts/test-deps` installs it (and openssl).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running registry that knows one user.
pub struct Registry {
    child: Child,
    port: u16,
    tls: bool,
    dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Starts a registry over plain http whose only user is `user` with `password`.
    #[track_caller]
    pub fn start(user: &str, password: &str) -> Self {
        Self::launch(user, password, false)
    }

    /// Like [`Registry::start`], over TLS with a self-signed certificate for 127.0.0.1 (see
    /// [`Registry::certificate`]): what a registry behind a private CA looks like.
    #[track_caller]
    pub fn start_tls(user: &str, password: &str) -> Self {
        Self::launch(user, password, true)
    }

    /// The PEM certificate a TLS registry serves.
    pub fn certificate(&self) -> std::path::PathBuf {
        self.dir.path().join("cert.pem")
    }

    #[track_caller]
    fn launch(user: &str, password: &str, tls: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let tls_config = if tls {
            crate::tls::self_signed_for_loopback(dir.path());
            format!(
                "  tls: {{ certificate: {}, key: {} }}\n",
                dir.path().join("cert.pem").display(),
                dir.path().join("key.pem").display()
            )
        } else {
            String::new()
        };
        let htpasswd = dir.path().join("htpasswd");
        let made = Command::new("htpasswd")
            .args(["-Bbc", htpasswd.to_str().unwrap(), user, password])
            .output()
            .expect("htpasswd (apache2-utils; scripts/test-deps installs it)");
        assert!(made.status.success(), "htpasswd failed: {made:?}");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nstorage:\n  filesystem: {{ rootdirectory: {data} }}\n\
                 http:\n  addr: 127.0.0.1:{port}\n  secret: lanyard-test\n{tls_config}\
                 auth:\n  htpasswd: {{ realm: lanyard-test, path: {htpasswd} }}\n",
                data = dir.path().join("data").display(),
                htpasswd = htpasswd.display(),
            ),
        )
        .expect("write the registry config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (scripts/test-deps installs it)");
        let registry = Self {
            child,
            port,
            tls,
            dir,
        };
        // Over TLS the plain-http probe gets Go's 400 ("an HTTP request to an HTTPS server").
        let ready = if tls { 400 } else { 401 };
        let deadline = Instant::now() + Duration::from_secs(20);
        while crate::http_status(port, "/v2/") != Some(ready) {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// `http://127.0.0.1:PORT`, or `https://…` over TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}
