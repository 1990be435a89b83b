//! A TLS front for a plain-http peer (moto, say), as an S3-compatible store behind a private CA
//! is reached: Debian's nginx terminating TLS with a self-signed certificate for 127.0.0.1 and
//! passing requests on with their `Host` header unchanged (so SigV4 signatures still verify).

use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

pub struct TlsProxy {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TlsProxy {
    /// Serves `https://127.0.0.1:PORT` in front of `http://127.0.0.1:upstream`.
    #[track_caller]
    pub fn start(upstream: u16) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        crate::tls::self_signed_for_loopback(root);
        let port = crate::free_port();
        let server = format!(
            "server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {root}/cert.pem;\n    \
             ssl_certificate_key {root}/key.pem;\n    location / {{\n      \
             proxy_pass http://127.0.0.1:{upstream};\n      proxy_set_header Host $http_host;\n      \
             proxy_request_buffering off;\n    }}\n  }}",
            root = root.display(),
        );
        // One process, as root: it reads only its own directory.
        let child = crate::nginx::start(root, root, "master_process off;", &server);
        crate::wait_for_listener(port, Duration::from_secs(20), || {
            format!(
                "nginx did not listen within 20 s: {}",
                crate::nginx::errors(root)
            )
        });
        Self { child, port, dir }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The certificate (PEM) a client must be given to trust it.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }
}
