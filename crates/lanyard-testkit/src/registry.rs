//! A real container registry for tests: Debian's `docker-registry` (distribution 2.8) with
//! htpasswd (bcrypt) basic auth, on a free loopback port, in a temporary directory; stopped
//! when dropped. `scripts/test-deps` installs it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running registry that knows one user.
pub struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Starts a registry whose only user is `user` with `password`.
    #[track_caller]
    pub fn start(user: &str, password: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
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
                 http:\n  addr: 127.0.0.1:{port}\n  secret: lanyard-test\n\
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
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while crate::http_status(port, "/v2/") != Some(401) {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
