//! Request extractors: the logged-in [`User`] (or a redirect to `/login`), and [`Posted`], a
//! form whose CSRF token has been checked. Every console POST handler takes a [`Posted`], so a
//! form without its token is refused before any handler code runs.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Redirect, Response};
use lanyard_domain::{ClientOrigin, Principal};

use crate::error::PageError;
use crate::session::{cookie, tokens_match, Flash, SESSION_COOKIE};
use crate::Console;

/// The person behind a request: the principal of the API token their session acts as.
pub(crate) struct User {
    pub principal: Principal,
    /// The session id from the cookie.
    pub session: String,
    pub csrf: String,
    /// The message a redirect left for this page (taken by page loads only).
    pub flash: Option<Flash>,
}

impl FromRequestParts<Console> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Console) -> Result<Self, Response> {
        let login = login_url(parts);
        let to_login = || Redirect::to(&login).into_response();
        let id = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(to_login)?;
        // A message is for the next page a browser loads, not for a script's fetch or a form.
        let page_load = parts.method == Method::GET
            && parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
        let active = match console.app.console_session(id, page_load).await {
            Ok(Some(active)) => active,
            // Expired, logged out, or its token was revoked: the session is over.
            Ok(None) => return Err(to_login()),
            Err(other) => return Err(PageError::from(other).into_response()),
        };
        let mut principal = active.principal;
        principal.source = client_address(parts);
        Ok(User {
            principal,
            session: id.to_owned(),
            csrf: active.csrf,
            flash: active.flash.as_deref().and_then(Flash::decode),
        })
    }
}

/// Where the request came from, as the server's edge worked it out (through trusted proxies
/// only); a bare router without that edge (as in some tests) falls back to the TCP peer.
pub(crate) fn origin(parts: &Parts) -> Option<ClientOrigin> {
    parts.extensions.get::<ClientOrigin>().copied().or_else(|| {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| ClientOrigin {
                ip: peer.ip(),
                https: false,
            })
    })
}

/// The client's address for the audit trail ("" when unknown).
pub(crate) fn client_address(parts: &Parts) -> String {
    origin(parts).map(|o| o.ip.to_string()).unwrap_or_default()
}

/// Whether the console's cookies must be `Secure`: the client came over https (to us, or to a
/// trusted proxy that said so), or the server's public URL is https.
pub(crate) struct Secure(pub bool);

impl FromRequestParts<Console> for Secure {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        console: &Console,
    ) -> Result<Self, Self::Rejection> {
        Ok(Secure(secure(parts, console)))
    }
}

pub(crate) fn secure(parts: &Parts, console: &Console) -> bool {
    origin(parts).is_some_and(|o| o.https)
        || console
            .app
            .issuer_url()
            .is_some_and(|url| url.starts_with("https://"))
}

/// The login page, remembering a page asked for with GET so that logging in leads back to it.
fn login_url(parts: &Parts) -> String {
    match parts.uri.path_and_query() {
        Some(target) if parts.method == Method::GET && target.path() != "/" => {
            let next: String =
                form_urlencoded::byte_serialize(target.as_str().as_bytes()).collect();
            format!("/login?next={next}")
        }
        _ => "/login".to_owned(),
    }
}

/// Where to go after logging in: a path on this server, never another site.
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/connections",
    }
}

/// A submitted `application/x-www-form-urlencoded` form.
pub(crate) struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub(crate) fn parse(body: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded::parse(body).into_owned().collect(),
        }
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first value of `name` exactly as sent (secret values are not trimmed).
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `name` (checkboxes).
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A form posted by a logged-in user, with a valid CSRF token (field `csrf`).
pub(crate) struct Posted {
    pub user: User,
    pub form: Form,
}

impl FromRequest<Console> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Console) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let user = User::from_request_parts(&mut parts, console).await?;
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .map_err(|_| PageError::invalid("the form is too large").into_response())?;
        let form = Form::parse(&bytes);
        if !tokens_match(form.raw("csrf").unwrap_or(""), &user.csrf) {
            return Err(PageError::csrf().into_response());
        }
        Ok(Posted { user, form })
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn logging_in_never_leads_off_site() {
        assert_eq!(
            safe_next(Some("/connections/matrix?provider=aws")),
            "/connections/matrix?provider=aws"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/connections", "{bad}");
        }
        assert_eq!(safe_next(None), "/connections");
    }
}
