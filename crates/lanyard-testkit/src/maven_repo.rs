//! A real Maven repository for tests: Debian's nginx serving a directory over HTTP (or HTTPS
//! with a self-signed certificate) with WebDAV `PUT` and basic auth (htpasswd), on a free
//! loopback port; stopped when dropped.
//! `scripts/test-deps` installs nginx.
//!
//! nginx rather than apache2's `mod_dav`: Maven 3.8's HTTP transport uploads with bare `PUT`s and
//! never creates collections, which `mod_dav` answers with 409; nginx's `create_full_put_path`
//! makes the directories as Nexus or Artifactory would.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A running repository that knows one user.
pub struct MavenRepository {
    child: Child,
    port: u16,
    tls: bool,
    dir: tempfile::TempDir,
}

impl Drop for MavenRepository {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MavenRepository {
    /// Starts a repository at `/maven/` whose only user is `user` with `password`.
    #[track_caller]
    pub fn start(user: &str, password: &str) -> Self {
        Self::launch(user, password, false)
    }

    /// The same over https, with a self-signed certificate for 127.0.0.1 that no client
    /// trusts until given [`MavenRepository::certificate`] (a repository behind a private CA).
    #[track_caller]
    pub fn start_tls(user: &str, password: &str) -> Self {
        Self::launch(user, password, true)
    }

    /// The PEM certificate of a [`MavenRepository::start_tls`] repository.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    #[track_caller]
    fn launch(user: &str, password: &str, tls: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        let listen = if tls {
            crate::tls::self_signed_for_loopback(root);
            format!(
                "ssl;\n    ssl_certificate {0}/cert.pem;\n    ssl_certificate_key {0}/key.pem",
                root.display()
            )
        } else {
            String::new()
        };
        // nginx's workers drop to an unprivileged user when started as root: they must reach
        // the htpasswd file and write the repository.
        set_mode(root, 0o755);
        let htpasswd = root.join("htpasswd");
        // apr1 (MD5) is the hash every nginx build verifies itself.
        let made = Command::new("htpasswd")
            .args(["-mbc", htpasswd.to_str().unwrap(), user, password])
            .output()
            .expect("htpasswd (apache2-utils; scripts/test-deps installs it)");
        assert!(made.status.success(), "htpasswd failed: {made:?}");
        let files = root.join("repository");
        std::fs::create_dir_all(&files).expect("make the repository directory");
        set_mode(&files, 0o777);
        let temp = root.join("body");
        std::fs::create_dir_all(&temp).expect("make nginx's body directory");
        set_mode(&temp, 0o777);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = format!(
            "server {{\n    listen 127.0.0.1:{port} {listen};\n    location /maven/ {{\n      \
             alias {files}/;\n      autoindex on;\n      dav_methods PUT DELETE;\n      \
             create_full_put_path on;\n      dav_access user:rw group:rw all:r;\n      \
             auth_basic \"maven\";\n      auth_basic_user_file {htpasswd};\n    }}\n  }}",
            files = files.display(),
            htpasswd = htpasswd.display(),
        );
        let process = "master_process on;\nworker_processes 1;";
        let child = crate::nginx::start(root, &temp, process, &server);
        let repository = Self {
            child,
            port,
            tls,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        // Plain http to the TLS port: nginx answers 400 once it is up.
        let ready = if tls { 400 } else { 401 };
        while crate::http_status(port, "/maven/") != Some(ready) {
            assert!(
                Instant::now() < deadline,
                "nginx did not answer within 20 s: {}",
                crate::nginx::errors(repository.dir.path())
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        repository
    }

    /// `http(s)://127.0.0.1:PORT/maven/`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/maven/", self.port)
    }

    /// Where an uploaded `path` (relative to the repository) is stored.
    pub fn file(&self, path: &str) -> PathBuf {
        self.dir.path().join("repository").join(path)
    }
}

fn set_mode(dir: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
        .expect("open the directory to nginx's workers");
}
