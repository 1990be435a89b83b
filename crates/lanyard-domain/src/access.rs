//! Who is calling (a [`Principal`]) and what they may do ([`Action`]): the one place access rules live.

use crate::{Role, Slug};

/// An authenticated caller: an API token the store vouched for, with its organization and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's id (public; never the token itself).
    pub token_id: String,
    /// The organization the token belongs to. A token never sees another organization.
    pub org_id: String,
    /// The organization's slug, for messages and path checks.
    pub org: Slug,
    /// What the token may do.
    pub role: Role,
    /// For a deployer: the environments it may deploy to. Empty means every environment.
    pub environments: Vec<Slug>,
    /// Where the request came from (a client address), for the audit trail; empty if unknown.
    pub source: String,
    /// The instance administrator (the first start's token): it alone creates and deletes
    /// organizations and sees them all.
    pub instance_admin: bool,
}

/// Something a caller wants to do. Every API operation maps to exactly one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read organization-level objects (environments, tokens' metadata, connections, ...).
    Read,
    /// Create, change or delete organization-level objects, including tokens.
    Manage,
    /// Resolve connections or run jobs in the given environment.
    Deploy,
}

/// The caller may not perform the action; the message says which role is needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

impl Principal {
    /// Checks that this principal is the instance administrator, which alone may `what`.
    pub fn authorize_instance(&self, what: &str) -> Result<(), Denied> {
        if self.instance_admin {
            return Ok(());
        }
        Err(Denied(format!(
            "only the instance administrator can {what}: the token the server's first start \
             printed; an organization's admins administer their own organization"
        )))
    }

    /// Checks that this principal may perform `action` (in `environment`, for deploy actions).
    pub fn authorize(&self, action: Action, what: &str) -> Result<(), Denied> {
        self.authorize_in(action, what, None)
    }

    /// Like [`Principal::authorize`], for an action scoped to one environment.
    pub fn authorize_in(
        &self,
        action: Action,
        what: &str,
        environment: Option<&Slug>,
    ) -> Result<(), Denied> {
        let needed = match action {
            Action::Read => Role::Viewer,
            Action::Deploy => Role::Deployer,
            Action::Manage => Role::Admin,
        };
        if self.role < needed {
            return Err(Denied(format!(
                "a {} token cannot {what}; this needs a token with role {needed} \
                 (an admin can create one with `lanyard token create --role {needed}`)",
                self.role
            )));
        }
        if let (Action::Deploy, Role::Deployer, Some(env)) = (action, self.role, environment) {
            if !self.environments.is_empty() && !self.environments.contains(env) {
                let allowed = self
                    .environments
                    .iter()
                    .map(Slug::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Denied(format!(
                    "this deployer token is limited to environments [{allowed}] and cannot \
                     {what} in `{env}`"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, envs: &[&str]) -> Principal {
        Principal {
            token_id: "t".into(),
            org_id: "o".into(),
            org: Slug::parse("acme").unwrap(),
            role,
            environments: envs.iter().map(|e| Slug::parse(e).unwrap()).collect(),
            source: String::new(),
            instance_admin: false,
        }
    }

    #[test]
    fn roles_are_ordered_by_power() {
        let dev = Slug::parse("dev").unwrap();
        for (role, read, deploy, manage) in [
            (Role::Viewer, true, false, false),
            (Role::Deployer, true, true, false),
            (Role::Admin, true, true, true),
        ] {
            let p = principal(role, &[]);
            assert_eq!(p.authorize(Action::Read, "read").is_ok(), read, "{role}");
            assert_eq!(
                p.authorize_in(Action::Deploy, "run", Some(&dev)).is_ok(),
                deploy
            );
            assert_eq!(
                p.authorize(Action::Manage, "manage").is_ok(),
                manage,
                "{role}"
            );
        }
    }

    #[test]
    fn limited_deployer_only_deploys_to_its_environments() {
        let p = principal(Role::Deployer, &["dev"]);
        let dev = Slug::parse("dev").unwrap();
        let prod = Slug::parse("prod").unwrap();
        assert!(p
            .authorize_in(Action::Deploy, "run jobs", Some(&dev))
            .is_ok());
        let err = p
            .authorize_in(Action::Deploy, "run jobs", Some(&prod))
            .unwrap_err();
        assert!(err.0.contains("[dev]") && err.0.contains("`prod`"), "{err}");
    }

    #[test]
    fn denial_names_the_needed_role_and_the_fix() {
        let err = principal(Role::Viewer, &[]).authorize(Action::Manage, "create environments");
        let msg = err.unwrap_err().0;
        assert!(
            msg.contains("viewer token cannot create environments"),
            "{msg}"
        );
        assert!(msg.contains("lanyard token create --role admin"), "{msg}");
    }
}
