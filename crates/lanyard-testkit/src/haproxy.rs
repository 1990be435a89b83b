//! A round-robin reverse proxy for tests: Debian's haproxy (installed by `scripts/test-deps`) on a
//! free loopback port in front of several servers, no stickiness, forwarding the client's address
//! (`X-Forwarded-For`), and retrying a request whose server refuses the connection on another
//! (what a load balancer does when a replica dies). Stopped when dropped.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running haproxy.
pub struct RoundRobin {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RoundRobin {
    /// Starts haproxy in front of `servers`, each request to the next one in turn.
    pub fn start(servers: &[SocketAddr]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("temp dir");
        let backends: String = servers
            .iter()
            .enumerate()
            .map(|(i, addr)| format!("    server s{i} {addr} check inter 500ms fall 1 rise 1\n"))
            .collect();
        // Streams (job output) may stay open for minutes: long client/server timeouts.
        let config = format!(
            "global\n    maxconn 256\n\
             defaults\n    mode http\n    timeout connect 2s\n    timeout client 5m\n    \
             timeout server 5m\n    option forwardfor\n    retries 3\n    \
             retry-on conn-failure empty-response\n    option redispatch 1\n\
             frontend lanyard\n    bind 127.0.0.1:{port}\n    default_backend replicas\n\
             backend replicas\n    balance roundrobin\n{backends}"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).expect("write haproxy.cfg");
        let child = Command::new(haproxy())
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy runs (scripts/test-deps installs Debian's haproxy)");
        crate::wait_for_listener(port, Duration::from_secs(10), || {
            format!("haproxy did not listen on {port}")
        });
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

/// Debian installs haproxy in /usr/sbin, which is not on every PATH.
fn haproxy() -> &'static str {
    if std::path::Path::new("/usr/sbin/haproxy").exists() {
        "/usr/sbin/haproxy"
    } else {
        "haproxy"
    }
}
