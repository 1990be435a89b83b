//! `/login` and `/logout`: an API token starts a session; nothing else is needed.

use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use lanyard_crypto::ExposeSecret;

use crate::error::PageError;
use crate::extract::{client_address, safe_next, secure, Form, Posted, Secure};
use crate::session::{
    cookie, random_token, session_cookie, set_cookie, tokens_match, LOGIN_CSRF_COOKIE,
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
    secure: bool,
    status: StatusCode,
    error: Option<String>,
    next: Option<&str>,
) -> Response {
    let csrf = random_token();
    let cookie = set_cookie(LOGIN_CSRF_COOKIE, &csrf, LOGIN_FORM_LIFETIME, secure);
    let next = safe_next(next).to_owned();
    let page = console.page_with_status(status, &LoginPage { csrf, error, next });
    (AppendHeaders([(SET_COOKIE, cookie)]), page).into_response()
}

/// The login form.
pub(crate) async fn form(
    State(console): State<Console>,
    Secure(secure): Secure,
    Query(next): Query<Next>,
) -> Response {
    login_page(&console, secure, StatusCode::OK, None, next.next.as_deref())
}

/// Checks the token and starts a session.
pub(crate) async fn submit(
    State(console): State<Console>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let secure = secure(&parts, &console);
    let Ok(body) = axum::body::to_bytes(body, 64 << 10).await else {
        return PageError::invalid("the login form is too large").into_response();
    };
    let form = Form::parse(&body);
    let expected = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if !tokens_match(form.raw("csrf").unwrap_or(""), expected) {
        return PageError::csrf().into_response();
    }
    let Some(token) = form.get("token") else {
        return login_page(
            &console,
            secure,
            StatusCode::BAD_REQUEST,
            Some("enter an API token (lanyard token create, or the admin token printed at first start)".to_owned()),
            form.get("next"),
        );
    };
    let source = client_address(&parts);
    let opened = match console.app.open_console_session(token, &source).await {
        Ok(opened) => opened,
        Err(err) => return refused(&console, secure, &form, err),
    };
    let id = opened.id.expose_secret();
    (
        AppendHeaders([
            (SET_COOKIE, session_cookie(id, secure)),
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
fn refused(console: &Console, secure: bool, form: &Form, err: lanyard_core::CoreError) -> Response {
    let message = match err {
        lanyard_core::CoreError::Unauthenticated(_) => {
            "that token is not valid: it may be mistyped, revoked or expired".to_owned()
        }
        other => crate::error::message(&other),
    };
    login_page(
        console,
        secure,
        StatusCode::UNAUTHORIZED,
        Some(message),
        form.get("next"),
    )
}

/// Ends the session.
pub(crate) async fn logout(
    State(console): State<Console>,
    Secure(secure): Secure,
    posted: Posted,
) -> Response {
    let user = &posted.user;
    if let Err(e) = console
        .app
        .close_console_session(&user.session, &user.principal)
        .await
    {
        tracing::warn!(error = %e, "could not end a console session");
    }
    let clear = set_cookie(SESSION_COOKIE, "", Duration::ZERO, secure);
    (AppendHeaders([(SET_COOKIE, clear)]), Redirect::to("/login")).into_response()
}
