//! Integration tests for the provider catalog, validation and materialization, through the
//! public API only.

mod catalog;
mod fixtures;
mod formats;
mod materialize;
mod redaction;
mod validation;
