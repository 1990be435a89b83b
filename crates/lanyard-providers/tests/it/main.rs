//! Integration tests for the provider catalog, validation and materialization, through the
//! public API only.

mod catalog;
use lanyard_providers::examples as fixtures;
mod formats;
mod materialize;
mod redaction;
mod reference;
mod validation;
