//! Console sessions, kept in the database so that any replica serves any request. The cookie
//! carries a random 256-bit id and the database only its SHA-256; a session acts as the API token
//! it was opened with and ends with that token. Cross-account setups a session started are kept
//! sealed beside it, because their templates embed the external id.

use lanyard_crypto::{open, seal, ExposeSecret, SecretBytes, SecretContext, SecretString};
use lanyard_domain::Principal;
use lanyard_store::{NewSession, SessionSetup};
use sha2::{Digest, Sha256};

use crate::audit::entry;
use crate::{now, CoreError, CoreResult, Lanyard};

/// How long a console session lasts after login.
pub const SESSION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(8 * 3600);

/// A session just opened: the id for the cookie (shown nowhere else) and who it acts as.
pub struct OpenedSession {
    pub id: SecretString,
    pub principal: Principal,
}

/// What a request learns from its session.
pub struct ActiveSession {
    pub principal: Principal,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// The message left for this page, if it was taken.
    pub flash: Option<String>,
}

/// A cross-account setup's downloads, kept for the session that started it.
pub struct KeptSetup {
    pub template: SecretString,
    pub console_link: SecretString,
    pub role_name: String,
}

/// What the database knows a session by.
fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// 256 random bits as hex.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    lanyard_crypto::random::bytes(&mut bytes);
    hex::encode(bytes)
}

/// The sealing context of a setup: bound to the session and connection, so a sealed setup
/// copied to another row does not open.
fn setup_context(principal: &Principal, hash: &str, connection: &str) -> SecretContext {
    SecretContext::new(
        principal.org_id.clone(),
        format!("console-setup/{hash}/{connection}"),
        0,
    )
}

impl Lanyard {
    /// Checks `token` and opens a console session acting as it; the login is audited with the
    /// client's address `source`.
    pub async fn open_console_session(
        &self,
        token: &str,
        source: &str,
    ) -> CoreResult<OpenedSession> {
        let mut principal = self.authenticate(token).await?;
        principal.source = source.to_owned();
        let id = random_hex();
        let created = now().millis();
        let session = NewSession {
            id_hash: id_hash(&id),
            token_id: principal.token_id.clone(),
            csrf: random_hex(),
            created_at: created,
            expires_at: created + i64::try_from(SESSION_LIFETIME.as_millis()).unwrap_or(i64::MAX),
        };
        let audit = entry(
            &principal,
            &principal.org_id,
            "console.login",
            "console",
            serde_json::json!({}),
        );
        // Expired and revoked sessions go when someone logs in: no timer needed.
        self.store.purge_sessions(created).await?;
        self.store.create_session(&session, &audit).await?;
        Ok(OpenedSession {
            id: SecretString::from(id),
            principal,
        })
    }

    /// The live session with this id, acting as its token; `None` once it expired, was closed
    /// or its token was revoked. With `take_flash`, the message left for the next page is
    /// handed over and cleared.
    pub async fn console_session(
        &self,
        id: &str,
        take_flash: bool,
    ) -> CoreResult<Option<ActiveSession>> {
        let hash = id_hash(id);
        let Some(record) = self.store.find_session(&hash, now().millis()).await? else {
            return Ok(None);
        };
        let flash = match record.flash {
            Some(flash) if take_flash => {
                self.store.set_session_flash(&hash, None).await?;
                Some(flash)
            }
            _ => None,
        };
        Ok(Some(ActiveSession {
            principal: crate::tokens::principal_of(record.token),
            csrf: record.csrf,
            flash,
        }))
    }

    /// Ends a session (logout), on the audit trail.
    pub async fn close_console_session(&self, id: &str, principal: &Principal) -> CoreResult<()> {
        let audit = entry(
            principal,
            &principal.org_id,
            "console.logout",
            "console",
            serde_json::json!({}),
        );
        Ok(self.store.end_session(&id_hash(id), Some(&audit)).await?)
    }

    /// Leaves a message for the session's next page. It passes the process's redactor first:
    /// messages are built from names and errors, never values, but they now rest in the
    /// database, so the page's own redaction on display is not the only guard.
    pub async fn leave_session_flash(&self, id: &str, flash: &str) -> CoreResult<()> {
        let flash = self.secrets_seen.redactor().redact_str(flash).into_owned();
        Ok(self
            .store
            .set_session_flash(&id_hash(id), Some(&flash))
            .await?)
    }

    /// Keeps a cross-account setup for this session only (a new one replaces the old).
    pub async fn keep_session_setup(
        &self,
        id: &str,
        principal: &Principal,
        connection: &str,
        setup: &KeptSetup,
    ) -> CoreResult<()> {
        let hash = id_hash(id);
        let plain = serde_json::json!({
            "template": setup.template.expose_secret(),
            "console_link": setup.console_link.expose_secret(),
        })
        .to_string();
        let sealed = seal(
            &self.keyring,
            &setup_context(principal, &hash, connection),
            &SecretBytes::from(plain),
        )
        .map_err(|e| CoreError::Internal(Box::new(e)))?;
        let kept = SessionSetup {
            role_name: setup.role_name.clone(),
            sealed,
        };
        Ok(self
            .store
            .put_session_setup(&hash, connection, &kept)
            .await?)
    }

    /// The setup this session started for `connection`, if it still holds one (a setup sealed
    /// under a master key this server no longer has is treated as gone: run the setup again).
    pub async fn session_setup(
        &self,
        id: &str,
        principal: &Principal,
        connection: &str,
    ) -> CoreResult<Option<KeptSetup>> {
        let hash = id_hash(id);
        let Some(kept) = self.store.session_setup(&hash, connection).await? else {
            return Ok(None);
        };
        let Ok(plain) = open(
            &self.keyring,
            &setup_context(principal, &hash, connection),
            &kept.sealed,
        ) else {
            return Ok(None);
        };
        #[derive(serde::Deserialize)]
        struct Downloads {
            template: String,
            console_link: String,
        }
        let downloads: Downloads = serde_json::from_slice(plain.expose_secret())
            .map_err(|e| CoreError::Internal(Box::new(e)))?;
        Ok(Some(KeptSetup {
            template: SecretString::from(downloads.template),
            console_link: SecretString::from(downloads.console_link),
            role_name: kept.role_name,
        }))
    }

    /// Forgets a setup once its connection is complete.
    pub async fn drop_session_setup(&self, id: &str, connection: &str) -> CoreResult<()> {
        Ok(self
            .store
            .drop_session_setup(&id_hash(id), connection)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_stored_only_hashed() {
        let (a, b) = (random_hex(), random_hex());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(id_hash(&a), a);
        assert_eq!(id_hash(&a), id_hash(&a));
    }
}
