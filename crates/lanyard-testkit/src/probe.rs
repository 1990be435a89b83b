//! A bare HTTP/1.1 probe the peers use to tell when they are up: no client library, so a peer
//! that answers anything at all is seen.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// The status of an anonymous `GET path` on loopback `port`, or `None` while nothing answers.
pub(crate) fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// A loopback port nothing listens on right now, for a peer to take.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until something accepts connections on loopback `port`; panics after `within` with
/// `failed()` (what did not start, and what it logged).
#[track_caller]
pub fn wait_for_listener(port: u16, within: Duration, failed: impl Fn() -> String) {
    let deadline = std::time::Instant::now() + within;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{}", failed());
        std::thread::sleep(Duration::from_millis(20));
    }
}
