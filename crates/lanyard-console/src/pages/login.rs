//! `/login` and `/logout`: an API token starts a session; nothing else is needed.

use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use lanyard_crypto::SecretString;

use crate::error::PageError;
use crate::extract::{safe_next, Form, Posted};
use crate::session::{
    cookie, over_tls, random_token, session_cookie, set_cookie, tokens_match, LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
};
use crate::Console;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    /// The page to go to after logging in.
    next: String,
}

/// `?next=PATH` on the login page.
#[derive(serde::Deserialize)]
pub(crate) struct Next {
    next: Option<String>,
}

/// How long the login form's CSRF cookie lives.
const LOGIN_FORM_LIFETIME: Duration = Duration::from_secs(3600);

fn login_page(
    console: &Console,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    next: Option<&str>,
) -> Response {
    let csrf = random_token();
    let cookie = set_cookie(
        LOGIN_CSRF_COOKIE,
        &csrf,
        LOGIN_FORM_LIFETIME,
        over_tls(headers),
    );
    let next = safe_next(next).to_owned();
    let page = console.page_with_status(status, &LoginPage { csrf, error, next });
    (AppendHeaders([(SET_COOKIE, cookie)]), page).into_response()
}

/// The login form.
pub(crate) async fn form(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(next): Query<Next>,
) -> Response {
    login_page(
        &console,
        &headers,
        StatusCode::OK,
        None,
        next.next.as_deref(),
    )
}

/// Checks the token and starts a session.
pub(crate) async fn submit(
    State(console): State<Console>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = Form::parse(&body);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if !tokens_match(form.raw("csrf").unwrap_or(""), expected) {
        return PageError::csrf().into_response();
    }
    let Some(token) = form.get("token") else {
        return login_page(
            &console,
            &headers,
            StatusCode::BAD_REQUEST,
            Some("enter an API token (lanyard token create, or the admin token printed at first start)".to_owned()),
            form.get("next"),
        );
    };
    let principal = match console.app.authenticate(token).await {
        Ok(principal) => principal,
        Err(err) => return refused(&console, &headers, &form, err),
    };
    let id = console.sessions.start(SecretString::from(token.to_owned()));
    // The session works either way; a trail that cannot be written is the log's business.
    if let Err(e) = console.app.record_console_session(&principal, true).await {
        tracing::warn!(error = %e, "could not audit a console login");
    }
    let secure = over_tls(&headers);
    (
        AppendHeaders([
            (SET_COOKIE, session_cookie(&id, secure)),
            (
                SET_COOKIE,
                set_cookie(LOGIN_CSRF_COOKIE, "", Duration::ZERO, secure),
            ),
        ]),
        Redirect::to(safe_next(form.get("next"))),
    )
        .into_response()
}

/// The login page again, saying why the token was refused.
fn refused(
    console: &Console,
    headers: &HeaderMap,
    form: &Form,
    err: lanyard_core::CoreError,
) -> Response {
    let message = match err {
        lanyard_core::CoreError::Unauthenticated(_) => {
            "that token is not valid: it may be mistyped, revoked or expired".to_owned()
        }
        other => crate::error::message(&other),
    };
    login_page(
        console,
        headers,
        StatusCode::UNAUTHORIZED,
        Some(message),
        form.get("next"),
    )
}

/// Ends the session.
pub(crate) async fn logout(
    State(console): State<Console>,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    console.sessions.end(&posted.user.session);
    if let Err(e) = console
        .app
        .record_console_session(&posted.user.principal, false)
        .await
    {
        tracing::warn!(error = %e, "could not audit a console logout");
    }
    let clear = set_cookie(SESSION_COOKIE, "", Duration::ZERO, over_tls(&headers));
    (AppendHeaders([(SET_COOKIE, clear)]), Redirect::to("/login")).into_response()
}
