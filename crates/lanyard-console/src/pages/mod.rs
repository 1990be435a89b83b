//! The console's pages, one module per area; each handler extracts, calls the core, renders.

pub(crate) mod access;
pub(crate) mod connections;
pub(crate) mod cross_account;
pub(crate) mod details;
pub(crate) mod jobs;
pub(crate) mod login;
pub(crate) mod matrix;
pub(crate) mod org;
pub(crate) mod trust;
pub(crate) mod wizard;
