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
