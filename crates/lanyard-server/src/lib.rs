//! Lanyard's HTTP server: configuration, start-up (database, master key, first organization) and
//! the axum router for the JSON API under `/api/v1`.
//!
//! Start-up is split in two so callers can act between the steps: [`prepare`] binds the port,
//! opens the database and checks the key, and returns a [`PreparedServer`] that says whether this
//! was a first start (and so carries the one-time admin token); [`PreparedServer::serve`] then
//! serves until the shutdown future completes.

mod auth;
mod builtin;
mod config;
mod data_dir;
mod error;
mod master_key;
mod openapi;
mod origin;
mod rate_limit;
mod routes;
mod startup;
mod verifier;

pub use config::{RawServerConfig, ServerConfig, KNOWN_ENV_VARS};
pub use error::ApiError;
pub use openapi::openapi_json;
pub use routes::router;
pub use startup::{prepare, prepare_with, FirstStart, PreparedServer, StartError};
