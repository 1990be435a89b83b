//! Lanyard's declarative documents (`apiVersion: lanyard.dev/v1`): every object of an
//! organization (environments, variables, runners, connections, authorizations, defaults and
//! token metadata) as YAML or JSON to keep in git, review, diff and copy.
//!
//! Architecture invariant: no document can hold a secret value. Secrets are references by
//! name, runners are documents without credentials, tokens are metadata; a plan refuses a
//! document that puts a value in a secret field. This crate does no I/O: the CLI fetches the
//! [`State`] and executes the [`Plan`] through the API client.

mod document;
mod parse;
mod plan;
mod schema;
mod state;

pub use document::*;
pub use parse::{parse, to_yaml, ParseError};
pub use plan::{plan, Action, ConnectionChange, Op, Options, Plan, Refused, Step};
pub use schema::schema;
pub use state::{connection_document, State};
