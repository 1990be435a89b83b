//! Lanyard's domain vocabulary: validated names, roles, principals and the access rules over them.
//!
//! This crate does no I/O and knows nothing of HTTP, SQL or the command line. Everything here is
//! a value that is valid by construction (parse, don't validate): a [`Slug`] can only hold a
//! well-formed name, a [`Principal`] can only be built from a token the store vouched for.

mod access;
pub mod egress;
mod origin;
mod role;
mod slug;
pub mod suggest;
mod time;

pub use access::{Action, Denied, Principal};
pub use origin::ClientOrigin;
pub use role::{Role, RoleParseError};
pub use slug::{Slug, SlugError};
pub use time::{parse_duration, Timestamp};
