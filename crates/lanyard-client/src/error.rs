//! The client's error: the server's own message when it answered, a hint when it did not.

use lanyard_api::ErrorBody;

/// A request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error; `message` is its explanation.
    #[error("{message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The server's machine-readable code, e.g. `not_found`.
        code: String,
        /// The server's one-line explanation.
        message: String,
    },
    /// The server could not be reached.
    #[error(
        "cannot reach the Lanyard server at {server}: {detail}; is `lanyard server` running? \
         (set --server or LANYARD_SERVER)"
    )]
    Connect {
        /// The server URL tried.
        server: String,
        /// What the transport said.
        detail: String,
    },
    /// Any other transport failure.
    #[error("request failed: {0}")]
    Transport(String),
    /// The server's answer was not what this client understands.
    #[error("unexpected response from the server: {0}")]
    Decode(String),
    /// The server URL is not an http(s) URL.
    #[error("invalid server URL `{0}`: use http://HOST:PORT or https://HOST")]
    InvalidServer(String),
}

impl ClientError {
    pub(crate) fn connect(server: &str, err: &reqwest::Error) -> Self {
        if err.is_connect() || err.is_timeout() {
            let mut detail = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                detail = cause.to_string();
                source = cause.source();
            }
            Self::Connect {
                server: server.to_owned(),
                detail,
            }
        } else {
            Self::Transport(err.to_string())
        }
    }

    pub(crate) async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        match response.json::<ErrorBody>().await {
            Ok(body) => Self::Api {
                status,
                code: body.error.code,
                message: body.error.message,
            },
            Err(_) => Self::Api {
                status,
                code: "http".to_owned(),
                message: format!("the server answered HTTP {status}"),
            },
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}
