//! Throwaway TLS for the peers: a self-signed certificate for 127.0.0.1 that no client trusts
//! until it is given one (a connection's `ca_bundle`), as a server behind a private CA.

use std::path::Path;
use std::process::Command;

/// Writes `cert.pem` and `key.pem` into `dir`: a self-signed server certificate for
/// 127.0.0.1, valid for a day. Not a CA: rustls (the live checks) takes a self-signed
/// certificate as its own trust anchor only so, and git and Go's TLS accept it as well.
#[track_caller]
pub fn self_signed_for_loopback(dir: &Path) {
    let made = Command::new("openssl")
        .current_dir(dir)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-keyout", "key.pem", "-out", "cert.pem"])
        .output()
        .expect("openssl (scripts/test-deps installs it)");
    assert!(made.status.success(), "openssl failed: {made:?}");
}
