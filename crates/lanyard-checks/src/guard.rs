//! Where a check may not go: link-local addresses and the clouds' instance-metadata endpoints.
//!
//! A connection's host fields are chosen by whoever writes the connection, and the check runs
//! from the server: pointed at `169.254.169.254` it would ask the server's own cloud for the
//! server's credentials. Checks refuse such targets by address, both when the URL names one
//! and when a name resolves to one (a resolver that drops them), before any packet is sent.
//! Loopback and private ranges stay allowed: self-hosted servers live there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Whether a check must not connect to `ip`.
pub(crate) fn forbidden(ip: IpAddr) -> bool {
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

/// The refusal, for people.
pub(crate) fn refusal(host: &str) -> String {
    format!(
        "{host} is a link-local or cloud metadata address, which connection checks never \
         contact; fix the connection's host"
    )
}

/// A resolver for the checks' HTTP clients that drops forbidden addresses, and fails when
/// nothing else is left.
pub(crate) struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                all.iter().copied().filter(|a| !forbidden(a.ip())).collect();
            if allowed.is_empty() && !all.is_empty() {
                return Err(refusal(&host).into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
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
    }
}
