//! Lanyard's provider catalog: which providers exist, what fields their connections take,
//! whether a connection is complete and well formed, and how its credentials are handed to a
//! job as environment variables and files.
//!
//! The crate is pure: no I/O, no network, no storage. The server validates connections with
//! [`validate`]; a runner resolves the stored values and calls [`materialize`], writes the
//! [`FileSpec`]s, sets the [`EnvVar`]s and masks [`Materialization::secret_values`] in job
//! output.
//!
//! ```
//! use lanyard_providers::{find, materialize, validate, AuthMode, EnvValue, FieldInputs, ResolvedFields};
//!
//! let aws = find("aws").expect("aws is in the catalog");
//! let inputs = FieldInputs::new()
//!     .with_literal("account_id", "123456789012")
//!     .with_literal("region", "eu-west-1")
//!     .with_reference("access_key_id")
//!     .with_reference("secret_access_key");
//! validate(aws, None, AuthMode::Inline, &inputs)?;
//!
//! let resolved = ResolvedFields::new()
//!     .with("account_id", "123456789012")
//!     .with("region", "eu-west-1")
//!     .with("access_key_id", "AKIAIOSFODNN7EXAMPLE")
//!     .with("secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let job = materialize(aws, None, AuthMode::Inline, &resolved)?;
//! assert!(matches!(job.env_var("AWS_SECRET_ACCESS_KEY"), Some(EnvValue::Secret(_))));
//! assert!(matches!(job.env_var("AWS_REGION"), Some(EnvValue::Plain(r)) if r == "eu-west-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod aws_template;
mod catalog;
pub mod examples;
pub mod federation;
mod format;
mod input;
mod materialize;
mod mode;
mod spec;
mod validate;

pub use catalog::{catalog, find};
pub use format::{azure_authority, session_duration, Format};
pub use input::{FieldInput, FieldInputs, ResolvedFields};
pub use materialize::{
    materialize, path_placeholder, AwsAssumeRole, AwsExchange, EnvValue, EnvVar, FileSpec,
    Materialization, MaterializeError, DIR_MODE, FILE_MODE, IDENTITY_TOKEN,
};
pub use mode::{AuthMode, Category, UnknownAuthMode, UnknownCategory};
pub use spec::{FieldSpec, KindSpec, ProviderSpec, Requirement, Rule};
pub use validate::{validate, ValidationError, ValidationErrors};
