//! Trusted proxies: the client's address and scheme come from `Forwarded` / `X-Forwarded-For` /
//! `X-Forwarded-Proto` only when the peer that sent them is a proxy the operator trusts.
//! Otherwise anyone could write any address into the audit trail by sending a header.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use lanyard_domain::ClientOrigin;

/// The networks whose peers may say who the client is.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Parses CIDRs (`10.0.0.0/8`) or single addresses (`127.0.0.1`).
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<Self, String> {
        let nets = list
            .iter()
            .map(|raw| {
                let raw = raw.as_ref().trim();
                raw.parse::<IpNet>()
                    .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "trusted proxy `{raw}` is not an address or CIDR network; write e.g. \
                             10.0.0.0/8, 192.168.1.10 or fd00::/8"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(nets.into()))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind a request from `peer`: the peer itself unless it is trusted; then the
    /// nearest forwarded address that is not a trusted proxy (walking right to left, so a client
    /// cannot prepend a fake one).
    pub fn origin(&self, peer: IpAddr, headers: &HeaderMap) -> ClientOrigin {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return ClientOrigin {
                ip: peer,
                https: false,
            };
        }
        let chain = forwarded_for(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) => {
                    client = *ip;
                    if !self.trusts(*ip) {
                        break;
                    }
                }
                // An unknown or obfuscated hop: nothing to its left can be believed.
                None => break,
            }
        }
        ClientOrigin {
            ip: client,
            https: forwarded_proto(headers).is_some_and(|p| p.eq_ignore_ascii_case("https")),
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The comma-separated values of every `name` header, in order, blanks dropped.
fn list<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The value of `key` in one `Forwarded` element (`for=…;proto=…`), unquoted.
fn forwarded_param<'a>(element: &'a str, key: &str) -> Option<&'a str> {
    element
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim().trim_matches('"'))
}

/// The `for=` hops of `Forwarded` (RFC 7239), or else `X-Forwarded-For`, left (client) to right;
/// `None` for a hop that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded = list(headers, "forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| forwarded_param(element, "for").and_then(node_address))
            .collect();
    }
    list(headers, "x-forwarded-for")
        .into_iter()
        .map(node_address)
        .collect()
}

/// An address from a node: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    let inner = node.strip_prefix('[')?.split(']').next()?;
    inner.parse::<IpAddr>().ok().map(canonical)
}

/// The scheme the nearest proxy saw: `Forwarded: proto=`, else `X-Forwarded-Proto` (the last
/// value of either, which the proxy next to us wrote).
fn forwarded_proto(headers: &HeaderMap) -> Option<&str> {
    list(headers, "forwarded")
        .last()
        .and_then(|element| forwarded_param(element, "proto"))
        .or_else(|| list(headers, "x-forwarded-proto").last().copied())
}

/// The client's address for the audit trail and the rate limiter: what [`attach`] worked out,
/// else the TCP peer (a router served without this layer), "" when neither is known.
pub(crate) fn client_address(extensions: &axum::http::Extensions) -> String {
    if let Some(origin) = extensions.get::<ClientOrigin>() {
        return origin.ip.to_string();
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip().to_string())
        .unwrap_or_default()
}

/// The middleware: works out every request's [`ClientOrigin`] once, for the API, the console
/// and the rate limiter.
pub(crate) async fn attach(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let origin = proxies.origin(peer, request.headers());
        request.extensions_mut().insert(origin);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    /// (peer, headers, client, https)
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        bool,
    );

    #[test]
    fn forwarded_addresses_count_only_from_trusted_peers() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.10"]).unwrap();
        let cases: &[Case] = &[
            // Untrusted peer: its headers are ignored.
            (
                "203.0.113.9",
                &[("x-forwarded-for", "198.51.100.1")],
                "203.0.113.9",
                false,
            ),
            (
                "203.0.113.9",
                &[("x-forwarded-proto", "https")],
                "203.0.113.9",
                false,
            ),
            // Trusted peer: the nearest untrusted hop, whatever a client prepended.
            (
                "10.1.2.3",
                &[("x-forwarded-for", "198.51.100.1")],
                "198.51.100.1",
                false,
            ),
            (
                "10.1.2.3",
                &[("x-forwarded-for", "6.6.6.6, 198.51.100.1, 10.9.9.9")],
                "198.51.100.1",
                false,
            ),
            (
                "192.168.1.10",
                &[
                    ("x-forwarded-for", "1.1.1.1"),
                    ("x-forwarded-for", "198.51.100.2"),
                ],
                "198.51.100.2",
                false,
            ),
            (
                "10.1.2.3",
                &[
                    ("x-forwarded-proto", "https"),
                    ("x-forwarded-for", "198.51.100.1"),
                ],
                "198.51.100.1",
                true,
            ),
            // Every hop trusted: the leftmost.
            (
                "10.1.2.3",
                &[("x-forwarded-for", "10.4.4.4, 10.5.5.5")],
                "10.4.4.4",
                false,
            ),
            // An unreadable hop stops the walk at the proxy that reported it.
            (
                "10.1.2.3",
                &[("x-forwarded-for", "198.51.100.1, garbage")],
                "10.1.2.3",
                false,
            ),
            // No header: the proxy itself.
            ("10.1.2.3", &[], "10.1.2.3", false),
            // RFC 7239, with ports, IPv6 and quoting; it wins over X-Forwarded-For.
            (
                "10.1.2.3",
                &[("forwarded", "for=198.51.100.7:4711;proto=https")],
                "198.51.100.7",
                true,
            ),
            (
                "10.1.2.3",
                &[
                    ("forwarded", "for=\"[2001:db8::1]:4711\", for=10.2.2.2"),
                    ("x-forwarded-for", "6.6.6.6"),
                ],
                "2001:db8::1",
                false,
            ),
            (
                "10.1.2.3",
                &[("forwarded", "for=unknown")],
                "10.1.2.3",
                false,
            ),
            // An IPv4-mapped peer is the IPv4 address it maps.
            (
                "::ffff:10.1.2.3",
                &[("x-forwarded-for", "198.51.100.1")],
                "198.51.100.1",
                false,
            ),
        ];
        for (peer, pairs, client, https) in cases {
            let origin = proxies.origin(peer.parse().unwrap(), &headers(pairs));
            assert_eq!(origin.ip.to_string(), *client, "{peer} {pairs:?}");
            assert_eq!(origin.https, *https, "{peer} {pairs:?}");
        }
    }

    #[test]
    fn nothing_is_trusted_by_default_and_bad_entries_are_named() {
        let none = TrustedProxies::default();
        let origin = none.origin(
            "127.0.0.1".parse().unwrap(),
            &headers(&[("x-forwarded-for", "198.51.100.1")]),
        );
        assert_eq!(origin.ip.to_string(), "127.0.0.1");
        let err = TrustedProxies::parse(&["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err();
        assert!(
            err.contains("`10.0.0.0/33`") && err.contains("CIDR"),
            "{err}"
        );
    }
}
