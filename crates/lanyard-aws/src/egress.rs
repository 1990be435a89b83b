//! The AWS SDK's side of the server's egress policy (`lanyard_domain::egress`): a resolver
//! that drops link-local and metadata addresses, for clients that carry a connection's keys;
//! and the check of an endpoint that names such an address outright (literals never reach a
//! resolver).

use std::net::IpAddr;

use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use lanyard_domain::egress::{forbidden, forbidden_literal, refusal};

/// Resolves with the system resolver and keeps only addresses the policy allows; fails when
/// a name resolves to forbidden addresses alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedDns;

impl ResolveDns for GuardedDns {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        DnsFuture::new(async move {
            let all: Vec<IpAddr> = tokio::net::lookup_host((name, 0))
                .await
                .map_err(ResolveDnsError::new)?
                .map(|a| a.ip())
                .collect();
            let allowed: Vec<IpAddr> = all.iter().copied().filter(|ip| !forbidden(*ip)).collect();
            if allowed.is_empty() && !all.is_empty() {
                return Err(ResolveDnsError::new(refusal(name)));
            }
            Ok(allowed)
        })
    }
}

/// The refusal for an endpoint URL whose host is a forbidden address literal.
pub fn refused_endpoint(endpoint: &str) -> Option<String> {
    let after_scheme = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        // An IPv6 literal keeps its brackets; a port follows the closing one.
        Some((host, port)) if !port.contains(']') && port.chars().all(|c| c.is_ascii_digit()) => {
            host
        }
        _ => authority,
    };
    forbidden_literal(host).then(|| refusal(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_naming_metadata_addresses_are_refused() {
        for bad in [
            "http://169.254.169.254",
            "http://169.254.169.254/latest/meta-data/",
            "https://169.254.170.2:443",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]:8080",
        ] {
            assert!(refused_endpoint(bad).is_some(), "{bad}");
        }
        for good in [
            "http://127.0.0.1:5000",
            "https://s3.us-east-1.amazonaws.com",
            "https://minio.internal:9000/",
            "http://[::1]:9000",
        ] {
            assert!(refused_endpoint(good).is_none(), "{good}");
        }
    }
}
