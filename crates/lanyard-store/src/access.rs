//! Records for where connections may be used (authorizations) and which is the default.

use lanyard_domain::Slug;

/// How far an authorization reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationScope {
    /// Every environment, including ones created later.
    Organization,
    /// Only the listed environments (by id); an empty list means none.
    Environments(Vec<String>),
}

/// A stored authorization, with names for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRecord {
    pub connection_id: String,
    pub connection: Slug,
    pub provider: String,
    /// `None` for organization scope; the environment names otherwise.
    pub environments: Option<Vec<Slug>>,
}

/// A stored default connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRecord {
    pub provider: String,
    /// `None` for the organization-level default.
    pub environment: Option<Slug>,
    pub connection_id: String,
    pub connection: Slug,
}

/// Everything resolution needs for one (provider, environment), read in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionFacts {
    /// The explicitly named connection, if one was asked for and exists: (id, name, provider).
    pub explicit: Option<(String, Slug, String)>,
    /// The environment default for the provider: (id, name).
    pub environment_default: Option<(String, Slug)>,
    /// The organization default for the provider: (id, name).
    pub organization_default: Option<(String, Slug)>,
    /// The name of the environment default's connection, when it was deleted and no default
    /// has been set (or unset) since.
    pub vacated_default: Option<Slug>,
}
