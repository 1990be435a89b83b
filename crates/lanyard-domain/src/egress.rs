//! Where the server never connects on a connection's behalf: link-local addresses and the
//! clouds' instance-metadata endpoints.
//!
//! A connection's host and endpoint fields are chosen by whoever writes the connection, and
//! live checks run from the server: pointed at `169.254.169.254` one would ask the server's own
//! cloud for the server's credentials. Every client that sends a connection's credentials
//! (the checks' HTTP client, the AWS SDK's) refuses such targets by address, both when the URL
//! names one and when a name resolves to one. Loopback and private ranges stay allowed:
//! self-hosted servers live there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether the server must not connect to `ip` for a connection.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            // fe80::/10, AWS's IPv6 metadata address, and IPv4 mapped into IPv6.
            (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
                || v6.to_ipv4_mapped().is_some_and(forbidden_v4)
        }
    }
}

fn forbidden_v4(v4: Ipv4Addr) -> bool {
    // 169.254.0.0/16 (AWS, GCP, Azure, DigitalOcean, OpenStack metadata), Alibaba Cloud's
    // metadata address, and 0.0.0.0/8 ("this host", which reaches local services).
    v4.is_link_local() || v4 == Ipv4Addr::new(100, 100, 100, 200) || v4.octets()[0] == 0
}

/// Whether `host` (a URL's host, IPv6 in brackets or not) is a forbidden address literal.
pub fn forbidden_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(forbidden)
}

/// The refusal, for people.
pub fn refusal(host: &str) -> String {
    format!(
        "{host} is a link-local or cloud metadata address, which Lanyard never contacts for a \
         connection; fix the connection's host or endpoint"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_link_local_are_forbidden_loopback_and_private_are_not() {
        for bad in [
            "169.254.169.254",
            "169.254.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
        ] {
            assert!(forbidden(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "127.0.0.1",
            "10.0.0.5",
            "192.168.1.10",
            "::1",
            "140.82.112.3",
            "2606:50c0:8000::153",
        ] {
            assert!(!forbidden(good.parse().unwrap()), "{good}");
        }
        assert!(forbidden_literal("[fe80::1]"));
        assert!(forbidden_literal("169.254.169.254"));
        assert!(!forbidden_literal("metadata.google.internal"));
    }
}
