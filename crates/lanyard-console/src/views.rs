//! Words for what the core returns: scopes, default status and provider names, shared by pages.

use lanyard_store::{AuthorizationRecord, ConnectionRecord, DefaultRecord};

use crate::render::when;

/// A connection's authorization scope, in words.
pub(crate) fn scope_text(authorization: Option<&AuthorizationRecord>) -> String {
    match authorization.map(|a| a.environments.as_ref()) {
        None => "Not authorized".to_owned(),
        Some(None) => "Organization-wide".to_owned(),
        Some(Some(envs)) if envs.is_empty() => "No environments".to_owned(),
        Some(Some(envs)) => {
            let names: Vec<&str> = envs.iter().map(|e| e.as_str()).collect();
            format!("Environments: {}", names.join(", "))
        }
    }
}

/// Where a connection is the default, in words ("—" when nowhere).
pub(crate) fn default_text(defaults: &[DefaultRecord], connection_id: &str) -> String {
    let mine: Vec<&DefaultRecord> = defaults
        .iter()
        .filter(|d| d.connection_id == connection_id)
        .collect();
    let mut parts = Vec::new();
    if mine.iter().any(|d| d.environment.is_none()) {
        parts.push("Organization default".to_owned());
    }
    let envs: Vec<&str> = mine
        .iter()
        .filter_map(|d| d.environment.as_ref().map(|e| e.as_str()))
        .collect();
    if !envs.is_empty() {
        parts.push(format!("Default in {}", envs.join(", ")));
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join("; ")
    }
}

/// A provider's display name, or its id when the catalog does not know it.
pub(crate) fn provider_name(id: &str) -> String {
    lanyard_providers::find(id).map_or_else(|| id.to_owned(), |p| p.display_name.to_owned())
}

/// What a connection's last verification shows: its time and verdict, or "Not verified".
pub(crate) fn verification_text(record: &ConnectionRecord) -> String {
    match (&record.last_verified_at, &record.verdict) {
        (Some(at), Some(verdict)) => format!("{} · {verdict}", when(at.millis())),
        (Some(at), None) => when(at.millis()),
        _ => "Not verified".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use lanyard_domain::Slug;

    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn default(env: Option<&str>, id: &str) -> DefaultRecord {
        DefaultRecord {
            provider: "aws".into(),
            environment: env.map(slug),
            connection_id: id.into(),
            connection: slug("c"),
        }
    }

    #[test]
    fn scopes_read_as_words() {
        let auth = |envs: Option<Vec<Slug>>| AuthorizationRecord {
            connection_id: "1".into(),
            connection: slug("c"),
            provider: "aws".into(),
            environments: envs,
        };
        assert_eq!(scope_text(None), "Not authorized");
        assert_eq!(scope_text(Some(&auth(None))), "Organization-wide");
        assert_eq!(scope_text(Some(&auth(Some(vec![])))), "No environments");
        let two = auth(Some(vec![slug("dev"), slug("qa")]));
        assert_eq!(scope_text(Some(&two)), "Environments: dev, qa");
    }

    #[test]
    fn defaults_name_their_scopes() {
        let defaults = [
            default(None, "1"),
            default(Some("dev"), "1"),
            default(Some("qa"), "2"),
        ];
        assert_eq!(
            default_text(&defaults, "1"),
            "Organization default; Default in dev"
        );
        assert_eq!(default_text(&defaults, "2"), "Default in qa");
        assert_eq!(default_text(&defaults, "3"), "—");
    }
}
