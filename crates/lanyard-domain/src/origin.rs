//! Where a request came from, as the server's edge worked it out: the client's address (through
//! trusted proxies only) and whether it reached us over TLS.

use std::net::IpAddr;

/// The client behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOrigin {
    /// The client's address: the peer's, or the one a trusted proxy forwarded.
    pub ip: IpAddr,
    /// Whether the client used https (to us, or to a trusted proxy that said so).
    pub https: bool,
}
