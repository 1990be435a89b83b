//! Token roles: what a holder of an API token may do inside its organization.

use std::fmt;

/// The role of an API token. Ordered from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything except secret values (which nobody reads).
    Viewer,
    /// Viewer, plus resolving connections and running jobs (optionally only in some environments).
    Deployer,
    /// Everything inside the organization: environments, tokens, connections, secrets.
    Admin,
}

/// The input named no known role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; use one of: admin, deployer, viewer")]
pub struct RoleParseError(pub String);

impl Role {
    /// Every role, for help texts and exhaustive tests.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Deployer, Role::Viewer];

    /// The role's wire and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Deployer => "deployer",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a role name.
    pub fn parse(input: &str) -> Result<Self, RoleParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == input)
            .ok_or_else(|| RoleParseError(input.chars().take(40).collect()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = RoleParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
