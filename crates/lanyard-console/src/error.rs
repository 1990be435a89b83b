//! The console's error page: the core's public message (which never holds a secret) and a status.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use lanyard_core::CoreError;

/// A request that failed; shown as a page.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

/// Shorthand for page handlers.
pub(crate) type PageResult<T> = Result<T, PageError>;

impl PageError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// A form without the session's CSRF token.
    pub(crate) fn csrf() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: "this form is missing its security token or it has expired; reload the \
                      page and try again"
                .to_owned(),
        }
    }
}

/// What a person is told about a core error.
pub(crate) fn message(err: &CoreError) -> String {
    match err {
        CoreError::Internal(_) => "internal error; the server log has the details".to_owned(),
        CoreError::Unavailable(_) => "the database is unavailable; try again shortly".to_owned(),
        other => other.to_string(),
    }
}

impl From<CoreError> for PageError {
    fn from(err: CoreError) -> Self {
        let status = match &err {
            CoreError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            CoreError::Forbidden(_) | CoreError::Unauthorized(_) => StatusCode::FORBIDDEN,
            CoreError::NotFound(_) => StatusCode::NOT_FOUND,
            CoreError::Conflict(_) => StatusCode::CONFLICT,
            CoreError::Invalid(_) => StatusCode::BAD_REQUEST,
            CoreError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            CoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            CoreError::KeyMismatch { .. } | CoreError::Unreadable(_) | CoreError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if status.is_server_error() {
            tracing::error!(error = %err, "console request failed");
        }
        Self {
            status,
            message: message(&err),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "<!doctype html><title>Error</title>".to_owned());
        (self.status, Html(body)).into_response()
    }
}
