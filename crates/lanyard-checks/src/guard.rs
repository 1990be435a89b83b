//! The checks' side of the server's egress policy (`lanyard_domain::egress`): a resolver that
//! drops link-local and metadata addresses, so a name that resolves to one is refused before
//! any packet is sent. (Address literals in URLs never reach a resolver: `http.rs` refuses
//! them itself.)

use std::net::SocketAddr;

pub(crate) use lanyard_domain::egress::{forbidden, forbidden_literal, refusal};

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
