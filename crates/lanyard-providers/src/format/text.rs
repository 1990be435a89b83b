//! Generic text shapes: tokens, slugs, host names, URLs, email addresses and UUIDs.
//!
//! URLs are parsed by hand on purpose: we only need scheme, host and port, and a small parser
//! that rejects anything odd (credentials in the authority, whitespace) is easier to trust than
//! a general one that accepts everything a browser would.

use super::{ensure, fail};

type Check = Result<(), String>;

/// Single-line values must not carry spaces or line breaks at either end: a trailing newline
/// from `@file` would otherwise end up inside an HTTP header or a config file.
pub(super) fn check_trimmed(v: &str) -> Check {
    ensure(!v.is_empty(), "must not be empty")?;
    ensure(
        v.trim() == v,
        "must not start or end with whitespace (a trailing newline from a file?)",
    )
}

pub(super) fn token(v: &str, min_len: u16) -> Check {
    if !v.chars().all(|c| c.is_ascii_graphic()) {
        return fail("must be a single-line token without spaces");
    }
    if v.len() < usize::from(min_len) {
        return Err(format!("must be a token of at least {min_len} characters"));
    }
    Ok(())
}

pub(super) fn slug(v: &str) -> Check {
    let ok = v.len() <= 63
        && v.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    ensure(
        ok,
        "must be lowercase letters and digits joined by single hyphens, e.g. build-runner-1",
    )
}

pub(super) fn boolean(v: &str) -> Check {
    ensure(v == "true" || v == "false", "must be true or false")
}

pub(super) fn email(v: &str) -> Check {
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.chars().all(|c| c.is_ascii_graphic() && c != '@')
                && is_hostname(domain)
                && domain.contains('.')
        }
        None => false,
    };
    ensure(ok, "must be an email address, e.g. ops@example.com")
}

pub(super) fn hostname_only(v: &str) -> Check {
    ensure(
        is_hostname(v),
        "must be a host name without scheme, port or path, e.g. acme.eu.auth0.com",
    )
}

pub(super) fn url(v: &str, https_only: bool) -> Check {
    match parse_url(v) {
        Some(url) if https_only && url.scheme != "https" => {
            fail("must use https://, e.g. https://example.com")
        }
        Some(_) => Ok(()),
        None if https_only => fail("must be an https:// URL, e.g. https://example.com"),
        None => fail("must be an http:// or https:// URL, e.g. https://example.com"),
    }
}

pub(super) fn host_or_url(v: &str) -> Check {
    let ok = if v.contains("://") {
        parse_url(v).is_some()
    } else {
        is_host_port(v)
    };
    ensure(
        ok,
        "must be a host name or an https:// URL, e.g. auth.example.com",
    )
}

/// A registry's address; whether plain http:// to another machine is allowed is the
/// provider's `insecure` opt-in (`Rule::CleartextNeeds`), which needs the other fields.
pub(super) fn registry_url(v: &str) -> Check {
    host_or_url(v)
}

/// Whether `v` is a plain `http://` URL to a host other than this machine.
pub(crate) fn is_remote_http(v: &str) -> bool {
    parse_url(v).is_some_and(|url| url.scheme == "http" && !is_loopback(url.host))
}

/// `localhost`, `127.x.y.z` or `[::1]`.
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.starts_with("127.") || host == "[::1]"
}

pub(super) fn uuid(v: &str) -> Check {
    let ok = v.len() == 36
        && v.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    ensure(
        ok,
        "must be a UUID, e.g. 00000000-0000-0000-0000-000000000000",
    )
}

/// The parts of an `http(s)` URL that materializers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParsedUrl<'a> {
    /// `http` or `https`, lowercase.
    pub scheme: &'static str,
    /// The host, without port; IPv6 hosts keep their brackets.
    pub host: &'a str,
    /// The host and port exactly as written.
    pub authority: &'a str,
    /// Everything after the authority (path, query), possibly empty.
    pub rest: &'a str,
}

/// Parses an `http://` or `https://` URL with a plausible host and no credentials.
pub(crate) fn parse_url(v: &str) -> Option<ParsedUrl<'_>> {
    let (scheme, after) = v.split_once("://")?;
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return None;
    };
    if after.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    // Userinfo in a stored URL would be a credential hiding in a non-secret field.
    if authority.contains('@') || !is_host_port(authority) {
        return None;
    }
    let host = split_port(authority).0;
    Some(ParsedUrl {
        scheme,
        host,
        authority,
        rest,
    })
}

/// A host name, IPv4 address or bracketed IPv6 address, optionally followed by `:port`.
fn is_host_port(v: &str) -> bool {
    let (host, port) = split_port(v);
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        is_hostname(host)
    };
    port_ok && host_ok
}

fn split_port(v: &str) -> (&str, Option<&str>) {
    if v.starts_with('[') {
        return match v.find(']') {
            Some(close) => {
                let (host, tail) = v.split_at(close + 1);
                (host, tail.strip_prefix(':'))
            }
            None => (v, None),
        };
    }
    match v.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (v, None),
    }
}

/// A DNS name (which also covers dotted IPv4 addresses): labels of letters, digits and inner
/// hyphens, 1–63 characters each, 253 in total.
pub(crate) fn is_hostname(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 253
        && v.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(url("https://api.pulumi.com", true).is_ok());
        assert!(url("http://localhost:8080/api/v4", false).is_ok());
        assert!(url("http://[::1]:9000", false).is_ok());
        assert!(url("http://example.com", true).is_err());
        assert!(url("ftp://example.com", false).is_err());
        assert!(url("https://user:pw@example.com", false).is_err());
        assert!(url("https://exa mple.com", false).is_err());
        assert!(url("https://", false).is_err());
        assert!(url("https://example.com:99999999", false).is_err());
    }

    #[test]
    fn parsed_url_parts() {
        let u = parse_url("https://acme.jfrog.io:8443/artifactory?x=1").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "acme.jfrog.io");
        assert_eq!(u.authority, "acme.jfrog.io:8443");
        assert_eq!(u.rest, "/artifactory?x=1");
    }

    #[test]
    fn hosts_emails_uuids_slugs() {
        assert!(hostname_only("acme.eu.auth0.com").is_ok());
        assert!(hostname_only("https://acme.eu.auth0.com").is_err());
        assert!(hostname_only("-bad.example.com").is_err());
        assert!(host_or_url("issuer.example.com:8443").is_ok());
        assert!(host_or_url("https://issuer.example.com/oauth").is_ok());
        assert!(email("ops@example.com").is_ok());
        assert!(email("ops@localhost").is_err());
        assert!(email("no-at-sign").is_err());
        assert!(uuid("6f1c2a3b-0000-4def-8abc-0123456789ab").is_ok());
        assert!(uuid("6f1c2a3b00004def8abc0123456789ab").is_err());
        assert!(slug("build-runner-1").is_ok());
        assert!(slug("Build").is_err());
        assert!(slug("a--b").is_err());
        assert!(boolean("true").is_ok());
        assert!(boolean("yes").is_err());
    }

    #[test]
    fn tokens() {
        assert!(token("abcdefghij", 10).is_ok());
        assert!(token("abcdefghi", 10).unwrap_err().contains("at least 10"));
        assert!(token("abc def ghijk", 3).is_err());
    }
}
