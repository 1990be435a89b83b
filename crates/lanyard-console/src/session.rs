//! Console session plumbing on the HTTP side: the cookies, the one-time message a redirect
//! leaves, and the session's use of the core. Sessions themselves live in the database (see
//! `lanyard_core::sessions`), so any replica serves any request; the cookie holds only a random
//! 256-bit id and the database only its hash.

use std::time::Duration;

use axum::http::HeaderMap;
use lanyard_core::{KeptSetup, SESSION_LIFETIME};

use crate::extract::User;
use crate::Console;

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "lanyard_session";
/// The cookie that carries the login form's CSRF token (double submit: there is no session yet).
pub(crate) const LOGIN_CSRF_COOKIE: &str = "lanyard_login_csrf";

/// A message shown once on the next page, after a form's redirect.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Flash {
    pub ok: bool,
    pub message: String,
}

impl Flash {
    pub(crate) fn ok(message: impl Into<String>) -> Self {
        Self {
            ok: true,
            message: message.into(),
        }
    }

    pub(crate) fn error(message: impl Into<String>) -> Self {
        Self {
            ok: false,
            message: message.into(),
        }
    }

    /// The stored form; a message that cannot be read back is dropped, never an error page.
    pub(crate) fn decode(stored: &str) -> Option<Self> {
        serde_json::from_str(stored).ok()
    }
}

impl Console {
    /// Leaves a message for the user's next page. A message that cannot be stored is only
    /// logged: the action it reports has happened either way.
    pub(crate) async fn flash(&self, user: &User, flash: Flash) {
        let stored = serde_json::to_string(&flash).unwrap_or_default();
        if let Err(e) = self.app.leave_session_flash(&user.session, &stored).await {
            tracing::warn!(error = %e, "could not keep a console message");
        }
    }

    /// Keeps a cross-account setup for this session only.
    pub(crate) async fn keep_setup(&self, user: &User, connection: &str, setup: &KeptSetup) {
        if let Err(e) = self
            .app
            .keep_session_setup(&user.session, &user.principal, connection, setup)
            .await
        {
            tracing::warn!(error = %e, "could not keep a cross-account setup for the session");
        }
    }

    /// The cross-account setup this session started for `connection`, if it still has one.
    pub(crate) async fn setup(&self, user: &User, connection: &str) -> Option<KeptSetup> {
        match self
            .app
            .session_setup(&user.session, &user.principal, connection)
            .await
        {
            Ok(setup) => setup,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a session's cross-account setup");
                None
            }
        }
    }

    /// Forgets a setup once its connection is complete.
    pub(crate) async fn drop_setup(&self, user: &User, connection: &str) {
        if let Err(e) = self.app.drop_session_setup(&user.session, connection).await {
            tracing::warn!(error = %e, "could not forget a session's cross-account setup");
        }
    }
}

/// 256 random bits from the OS, as hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    hex::encode(bytes)
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub(crate) fn tokens_match(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for a console cookie: HttpOnly, SameSite=Strict, Secure over TLS.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The session cookie for a new session.
pub(crate) fn session_cookie(id: &str, secure: bool) -> String {
    set_cookie(SESSION_COOKIE, id, SESSION_LIFETIME, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "a=1; lanyard_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn session_cookie_is_http_only_and_strict() {
        let plain = session_cookie("id", false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        assert!(session_cookie("id", true).ends_with("; Secure"));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("bc", "abc"));
    }
}
