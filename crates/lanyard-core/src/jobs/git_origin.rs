//! Where a git connection's token may go: only to that connection's own host (github.com,
//! gitlab.com, or the Enterprise / self-managed host the connection names), and only over
//! https. A `--git` URL anywhere else is refused before a job exists, so whoever may run jobs
//! cannot send the organization's token to a server of their choosing.

use lanyard_store::{ConnectionRecord, FieldSource};

use crate::{CoreError, CoreResult};

/// The `host:port` authority of an https URL, lowercased, without a default port; `None` for
/// anything that is not `https://` with a host.
pub(crate) fn https_authority(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(
        authority
            .strip_suffix(":443")
            .map_or(authority.clone(), str::to_owned),
    )
}

/// The authority a connection's token belongs to: its `host` field, else the public service.
pub(crate) fn connection_authority(connection: &ConnectionRecord) -> Option<String> {
    let host = match connection.fields.get("host") {
        Some(FieldSource::Literal(value)) => Some(value.as_str()),
        Some(FieldSource::Variable { value, .. }) => Some(value.as_str()),
        _ => None,
    };
    match (host, connection.provider.as_str()) {
        (Some(host), _) if !host.trim().is_empty() => https_authority(host.trim()),
        (_, "github") => Some("github.com".to_owned()),
        (_, "gitlab") => Some("gitlab.com".to_owned()),
        _ => None,
    }
}

/// Refuses a clone URL whose token would leave for another host, or travel in the clear.
pub(crate) fn check(url: &str, connection: &ConnectionRecord) -> CoreResult<()> {
    let allowed = connection_authority(connection).ok_or_else(|| {
        CoreError::Invalid(format!(
            "connection `{}` names no valid https host; set its `host` field to the server's \
             https URL",
            connection.name
        ))
    })?;
    match https_authority(url) {
        Some(authority) if authority == allowed => Ok(()),
        Some(authority) => Err(CoreError::Invalid(format!(
            "--git {url} is on {authority}, but connection `{}` sends its token only to \
             https://{allowed}; clone from that host, or use a connection for {authority} (its \
             `host` field names the server)",
            connection.name
        ))),
        None => Err(CoreError::Invalid(format!(
            "--git {url} is not an https URL; connection `{}` sends its token only over https, \
             to https://{allowed}",
            connection.name
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_compare_as_servers_do() {
        let cases = [
            ("https://github.com/acme/infra.git", Some("github.com")),
            ("https://GitHub.com:443/acme/infra.git", Some("github.com")),
            (
                "https://git.example.com:8443/a.git",
                Some("git.example.com:8443"),
            ),
            ("https://[::1]:8443/a.git", Some("[::1]:8443")),
            ("http://github.com/acme/infra.git", None),
            ("https://x-access-token@github.com/a.git", None),
            ("https:///a.git", None),
            ("ssh://github.com/a.git", None),
        ];
        for (url, want) in cases {
            assert_eq!(https_authority(url).as_deref(), want, "{url}");
        }
    }
}
