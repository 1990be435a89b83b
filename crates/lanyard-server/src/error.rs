//! The HTTP edge's one error type: a public message for the caller, the full chain for the log.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lanyard_api::{ErrorBody, ErrorDetail};
use lanyard_core::CoreError;

/// An error on its way to the caller. The public message never holds a secret; the internal
/// source (logged once, here) may hold detail the caller must not see.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    public: String,
    internal: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// Shorthand for handler results.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A client error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, public: impl Into<String>) -> Self {
        Self {
            status,
            code,
            public: public.into(),
            internal: None,
        }
    }

    /// 400 with a message saying what is wrong with the request.
    pub fn invalid(public: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", public)
    }

    /// 404.
    pub fn not_found(public: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", public)
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        let (status, code) = match &err {
            CoreError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            CoreError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            CoreError::Unauthorized(_) => (StatusCode::FORBIDDEN, "not_authorized"),
            CoreError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            CoreError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            CoreError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
            CoreError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            CoreError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            CoreError::KeyMismatch { .. } | CoreError::Internal(_) | CoreError::Unreadable(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let public = match &err {
            CoreError::Internal(_) => "internal error; the server log has the details".to_owned(),
            CoreError::Unreadable(message) => message.clone(),
            CoreError::Unavailable(_) => {
                "the database is unavailable; try again shortly".to_owned()
            }
            other => other.to_string(),
        };
        let internal = status.is_server_error().then(|| Box::new(err) as _);
        Self {
            status,
            code,
            public,
            internal,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::invalid(format!("invalid JSON body: {}", rejection.body_text()))
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::invalid(format!("invalid query string: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::invalid(format!("invalid path: {}", rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.internal {
            // The only place errors are logged: once, with the whole chain.
            let mut chain = source.to_string();
            let mut next = source.source();
            while let Some(cause) = next {
                chain.push_str(": ");
                chain.push_str(&cause.to_string());
                next = cause.source();
            }
            tracing::error!(status = self.status.as_u16(), error = %chain, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.public,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
