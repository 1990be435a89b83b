//! Console sessions, kept in this server's memory. The cookie holds only a random 256-bit session
//! id; the API token a person logged in with stays on the server and is checked again on every
//! request, so revoking the token ends its sessions at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use lanyard_crypto::{ExposeSecret, SecretString};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "lanyard_session";
/// The cookie that carries the login form's CSRF token (double submit: there is no session yet).
pub(crate) const LOGIN_CSRF_COOKIE: &str = "lanyard_login_csrf";
/// How long a session lasts after login.
const LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// A message shown once on the next page, after a form's redirect.
#[derive(Clone)]
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
}

struct Session {
    token: SecretString,
    csrf: String,
    expires: Instant,
    flash: Option<Flash>,
    /// Cross-account setups this session started, by connection name: what the step page
    /// offers until the role's ARN completes the connection.
    setups: HashMap<String, Setup>,
}

/// What the cross-account step page offers for download and as a link. Both may embed the
/// external id, so they stay in server memory and in this session only.
pub(crate) struct Setup {
    pub template: SecretString,
    pub console_link: SecretString,
    pub role_name: String,
}

impl Setup {
    fn copy(&self) -> Self {
        Self {
            template: SecretString::from(self.template.expose_secret().to_owned()),
            console_link: SecretString::from(self.console_link.expose_secret().to_owned()),
            role_name: self.role_name.clone(),
        }
    }
}

/// What a request learns from its session.
pub(crate) struct Active {
    pub token: SecretString,
    pub csrf: String,
}

/// Every live session of this process.
#[derive(Clone, Default)]
pub(crate) struct Sessions {
    inner: Arc<Mutex<HashMap<String, Session>>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session for an API token that was just checked; returns the session id.
    pub(crate) fn start(&self, token: SecretString) -> String {
        let id = random_token();
        let now = Instant::now();
        let mut sessions = self.lock();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(
            id.clone(),
            Session {
                token,
                csrf: random_token(),
                expires: now + LIFETIME,
                flash: None,
                setups: HashMap::new(),
            },
        );
        id
    }

    /// The live session with this id.
    pub(crate) fn get(&self, id: &str) -> Option<Active> {
        let mut sessions = self.lock();
        match sessions.get(id) {
            Some(s) if s.expires > Instant::now() => Some(Active {
                token: SecretString::from(s.token.expose_secret().to_owned()),
                csrf: s.csrf.clone(),
            }),
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub(crate) fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Leaves a message for the session's next page.
    pub(crate) fn set_flash(&self, id: &str, flash: Flash) {
        if let Some(s) = self.lock().get_mut(id) {
            s.flash = Some(flash);
        }
    }

    /// Keeps a cross-account setup for the step page (a new one replaces the old).
    pub(crate) fn keep_setup(&self, id: &str, connection: &str, setup: Setup) {
        if let Some(s) = self.lock().get_mut(id) {
            s.setups.insert(connection.to_owned(), setup);
        }
    }

    /// The cross-account setup this session started for `connection`, if any.
    pub(crate) fn setup(&self, id: &str, connection: &str) -> Option<Setup> {
        self.lock()
            .get(id)
            .and_then(|s| s.setups.get(connection).map(Setup::copy))
    }

    /// Forgets a setup once its connection is complete.
    pub(crate) fn drop_setup(&self, id: &str, connection: &str) {
        if let Some(s) = self.lock().get_mut(id) {
            s.setups.remove(connection);
        }
    }

    /// Takes the message left for this page, if any.
    pub(crate) fn take_flash(&self, id: &str) -> Option<Flash> {
        self.lock().get_mut(id).and_then(|s| s.flash.take())
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

/// Whether the request reached us over TLS (directly, or through a proxy that says so).
pub(crate) fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
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
    set_cookie(SESSION_COOKIE, id, LIFETIME, secure)
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
    fn ended_sessions_are_gone_and_tokens_compare_exactly() {
        let sessions = Sessions::default();
        let id = sessions.start(SecretString::from("lyd_x".to_owned()));
        let active = sessions.get(&id).expect("live");
        assert!(tokens_match(&active.csrf, &active.csrf));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match(&active.csrf[1..], &active.csrf));
        sessions.end(&id);
        assert!(sessions.get(&id).is_none());
    }
}
