//! Turning templates into responses: the shared page layout, the secret redactor every page
//! passes through, the post-redirect-get helper and the security headers.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use lanyard_core::CoreResult;

use crate::error::{message, PageError};
use crate::extract::User;
use crate::session::Flash;
use crate::Console;

/// What the frame around every page needs.
pub(crate) struct Layout {
    pub title: String,
    pub nav: &'static str,
    pub org: String,
    pub role: String,
    pub csrf: String,
    pub flash: Option<Flash>,
}

impl Console {
    /// The layout for `user`'s next page; takes the message a redirect left.
    pub(crate) fn layout(
        &self,
        user: &User,
        nav: &'static str,
        title: impl Into<String>,
    ) -> Layout {
        Layout {
            title: title.into(),
            nav,
            org: user.principal.org.to_string(),
            role: user.principal.role.to_string(),
            csrf: user.csrf.clone(),
            flash: user.flash.clone(),
        }
    }

    /// Renders a page; its HTML passes through the redactor of every secret this process has
    /// handled, a second guard behind the views that never hold one.
    pub(crate) fn page(&self, template: &impl Template) -> Response {
        self.page_with_status(StatusCode::OK, template)
    }

    pub(crate) fn page_with_status(
        &self,
        status: StatusCode,
        template: &impl Template,
    ) -> Response {
        match template.render() {
            Ok(html) => {
                let redactor = self.app.secret_registry().redactor();
                let html = if redactor.is_empty() {
                    html
                } else {
                    String::from_utf8_lossy(&redactor.redact(html.as_bytes())).into_owned()
                };
                (status, Html(html)).into_response()
            }
            Err(err) => {
                tracing::error!(error = %err, "console template failed");
                PageError::invalid("this page could not be shown").into_response()
            }
        }
    }

    /// Ends a form: leaves a message (the outcome) and redirects to `back` (post-redirect-get).
    pub(crate) async fn done(
        &self,
        user: &User,
        back: &str,
        outcome: CoreResult<String>,
    ) -> Response {
        let flash = match outcome {
            Ok(ok) => Flash::ok(ok),
            Err(err) => Flash::error(message(&err)),
        };
        self.flash(user, flash).await;
        Redirect::to(back).into_response()
    }
}

/// Headers on every console response: no caching of pages, no framing, scripts and styles only
/// from this server.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The question a delete button asks: what goes, and what else goes with it (the server's
/// deletion impact, the same list the CLI shows).
pub(crate) fn delete_question(what: &str, goes: &[String], after: &str) -> String {
    let mut question = format!("Delete {what}?");
    if !goes.is_empty() {
        question.push_str(&format!(" It also removes {}.", goes.join("; ")));
    }
    if !after.is_empty() {
        question.push(' ');
        question.push_str(after);
    }
    question
}

/// Milliseconds since the epoch as `2026-01-31 14:05 UTC`.
pub(crate) fn when(millis: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "—".to_owned())
}
