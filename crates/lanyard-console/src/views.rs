//! Words for what the core returns: scopes, default status and provider names, shared by pages.

use lanyard_store::{AuthorizationRecord, DefaultRecord};

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

/// What a connection's last verification shows. Lanyard does not yet call providers to verify
/// credentials; "Test connection" checks configuration and access instead.
pub(crate) const NOT_VERIFIED: &str = "Not verified";
