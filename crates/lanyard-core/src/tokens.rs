//! API tokens: issued once, stored hashed, checked on every request.

use lanyard_crypto::{ApiToken, TokenKind};
use lanyard_domain::{Action, Principal, Role, Slug};
use lanyard_store::{NewToken, TokenRecord};

use crate::{new_id, now, CoreError, CoreResult, Lanyard};

/// What a new token may do.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub role: Role,
    /// Only for deployers: the environments it may deploy to; empty means all.
    pub environments: Vec<Slug>,
    pub description: String,
}

/// A freshly issued token: its record, and the token itself, which is never shown again.
pub struct IssuedToken {
    pub record: TokenRecord,
    pub token: ApiToken,
}

impl Lanyard {
    /// Turns a presented bearer token into a principal, or refuses it.
    pub async fn authenticate(&self, presented: &str) -> CoreResult<Principal> {
        let token = ApiToken::parse(presented.trim())
            .map_err(|e| CoreError::Unauthenticated(format!("invalid API token: {e}")))?;
        let hash = token.hash();
        let hash_hex = hash.to_hex();
        if let Some(principal) = self.caches.tokens.get(&hash_hex) {
            return Ok(principal);
        }
        let record = self.store.find_token_by_hash(&hash_hex).await?;
        // The lookup is by hash, so a match is already exact; the constant-time comparison keeps
        // that true even if the index lookup were ever replaced by a scan.
        let record = record
            .filter(|r| {
                lanyard_crypto::TokenHash::from_hex(&r.hash_hex).is_ok_and(|h| h.ct_eq(&hash))
            })
            .ok_or_else(|| {
                CoreError::Unauthenticated(
                    "this API token is not valid (revoked, or for another server); \
                     ask an admin for a new one with `lanyard token create`"
                        .to_owned(),
                )
            })?;
        let principal = principal_of(record);
        self.caches.tokens.insert(hash_hex, principal.clone());
        Ok(principal)
    }

    /// Issues a new token in the caller's organization.
    pub async fn create_token(
        &self,
        principal: &Principal,
        org: &Slug,
        request: TokenRequest,
    ) -> CoreResult<IssuedToken> {
        principal.authorize(Action::Manage, "create tokens")?;
        let org = self.own_org(principal, org).await?;
        if !request.environments.is_empty() {
            if request.role != Role::Deployer {
                return Err(CoreError::Invalid(format!(
                    "only deployer tokens can be limited to environments; drop --env or use \
                     --role deployer (this token's role is {})",
                    request.role
                )));
            }
            self.require_environments(&org.id, &org.slug, &request.environments)
                .await?;
        }
        let token = ApiToken::generate(TokenKind::User);
        let new = NewToken {
            id: new_id(),
            org_id: org.id,
            hash_hex: token.hash().to_hex(),
            role: request.role,
            environments: request.environments,
            description: request.description,
            created_at: now(),
            // Issued tokens never administer the instance, whoever issues them.
            instance_admin: false,
        };
        let audit = self.change_entry(
            principal,
            &new.org_id,
            "token.create",
            format!("token/{}", new.id),
            serde_json::json!({ "role": new.role.as_str(), "environments": new.environments.iter().map(Slug::as_str).collect::<Vec<_>>(), "description": new.description }),
        );
        let record = self.store.create_token(&new, &audit).await?;
        tracing::info!(token.id = %record.id, role = %record.role, "token created");
        Ok(IssuedToken { record, token })
    }

    /// The live tokens of the caller's organization (metadata only).
    pub async fn list_tokens(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<Vec<TokenRecord>> {
        principal.authorize(Action::Manage, "list tokens")?;
        let org = self.own_org(principal, org).await?;
        Ok(self.store.list_tokens(&org.id).await?)
    }

    /// How each token of the organization that ever acted is named in the audit trail and a
    /// secret's history: its description and role (`CI for prod (deployer)`), marked when
    /// revoked. Readable by anyone who may read those.
    pub async fn actor_labels(
        &self,
        principal: &Principal,
        org: &Slug,
    ) -> CoreResult<std::collections::BTreeMap<String, String>> {
        principal.authorize(Action::Read, "read the audit trail")?;
        let org = self.own_org(principal, org).await?;
        Ok(self
            .store
            .token_labels(&org.id)
            .await?
            .into_iter()
            .map(|(id, role, description, revoked)| {
                let mut label = if description.is_empty() {
                    format!("{role} token")
                } else {
                    format!("{description} ({role})")
                };
                if revoked {
                    label.push_str(", revoked");
                }
                (id, label)
            })
            .collect())
    }

    /// Revokes a token of the caller's organization.
    pub async fn revoke_token(
        &self,
        principal: &Principal,
        org: &Slug,
        id: &str,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "revoke tokens")?;
        let org = self.own_org(principal, org).await?;
        self.store
            .revoke_token(
                &org.id,
                id,
                now().millis(),
                &self.change_entry(
                    principal,
                    &org.id,
                    "token.revoke",
                    format!("token/{id}"),
                    serde_json::json!({}),
                ),
            )
            .await
            .map_err(|e| match e {
                lanyard_store::StoreError::NotFound(_) => CoreError::NotFound(format!(
                    "token `{id}` not found in organization `{}`; see `lanyard token list`",
                    org.slug
                )),
                other => other.into(),
            })
    }
}

/// The principal a live token stands for (its source, the client's address, is the caller's to
/// fill in).
pub(crate) fn principal_of(record: TokenRecord) -> Principal {
    Principal {
        token_id: record.id,
        org_id: record.org_id,
        org: record.org,
        role: record.role,
        environments: record.environments,
        source: String::new(),
        instance_admin: record.instance_admin,
    }
}
