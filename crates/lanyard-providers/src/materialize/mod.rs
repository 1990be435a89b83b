//! Turns a connection's resolved field values into the environment variables and files that
//! the providers' own tools read (AWS SDKs, gcloud, Terraform providers, docker, npm, Maven...).
//!
//! Materialization is pure: it performs no I/O and calls no cloud API. Anything that needs a
//! network exchange (AWS AssumeRole, minting tokens) is left to the runner, which is told what
//! to do (see [`Materialization::assume_role`]).
//!
//! Auth modes: inline connections materialize their credentials. Runner-mode and
//! cross-account connections materialize only their non-secret parts (region, project,
//! tenant, bucket...): the runner supplies the identity from its own environment, and for
//! cross-account trust exchanges it for the customer role's temporary credentials.
//!
//! Values are shape-checked again first, because a referenced secret or variable may have
//! changed since the connection was saved.

mod azure_cli;
mod backends;
mod cloud;
mod ctx;
mod encode;
mod managed;
mod output;
mod packages;
mod registry;
mod scm;

use crate::input::ResolvedFields;
use crate::mode::AuthMode;
use crate::spec::ProviderSpec;
use crate::validate::{check, Strictness, ValidationErrors};

pub use output::{
    path_placeholder, AwsAssumeRole, AwsExchange, EnvValue, EnvVar, FileSpec, Materialization,
    DIR_MODE, FILE_MODE,
};

/// Where the core puts a job's identity token among the values of an `oidc` connection. Not a
/// catalog field, so no one can set it.
pub const IDENTITY_TOKEN: &str = "@identity_token";

use ctx::Ctx;
use secrecy::ExposeSecret;

/// Why a connection could not be materialized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaterializeError {
    /// The resolved values do not make a valid connection (a required secret was deleted, a
    /// variable now holds a malformed value...).
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// A value passed its shape check but could not be decoded.
    #[error("field {field} could not be decoded: {reason}")]
    Decode {
        /// The field.
        field: &'static str,
        /// What was expected.
        reason: &'static str,
    },
    /// A field the materializer needs has no value (a catalog and materializer mismatch).
    #[error("field {field} has no value")]
    MissingValue {
        /// The field.
        field: &'static str,
    },
    /// The provider has no materializer.
    #[error("provider {provider} cannot be materialized")]
    Unsupported {
        /// The provider id.
        provider: String,
    },
    /// A variable refers to a file this materialization does not contain.
    #[error("environment variable {variable} refers to file {file}, which is not part of this materialization")]
    UnknownFile {
        /// The variable.
        variable: String,
        /// The missing file id.
        file: String,
    },
    /// The job directory cannot be put into an environment variable.
    #[error("the job directory path is not valid UTF-8")]
    NonUtf8Path,
}

/// Produces the environment and files that give a job this connection's credentials.
///
/// `values` holds every field value resolved to plaintext. Values of fields that do not apply
/// to `kind` and `mode` are ignored and never injected.
pub fn materialize(
    spec: &ProviderSpec,
    kind: Option<&str>,
    mode: AuthMode,
    values: &ResolvedFields,
) -> Result<Materialization, MaterializeError> {
    let entries = values
        .iter()
        .map(|(name, value)| (name, Some(value.expose_secret())));
    check(spec, kind, mode, entries, Strictness::IgnoreExtra)?;
    let mut cx = Ctx::new(spec, kind, mode, values);
    match spec.id {
        "aws" => cloud::aws(&mut cx)?,
        "gcp" => cloud::gcp(&mut cx)?,
        "azure" => cloud::azure(&mut cx)?,
        "digitalocean" => cloud::digitalocean(&mut cx),
        "civo" => cloud::civo(&mut cx),
        "cloudflare" => cloud::cloudflare(&mut cx),
        "kubernetes" => cloud::kubernetes(&mut cx)?,
        "github" => scm::github(&mut cx),
        "gitlab" => scm::gitlab(&mut cx),
        "container-registry" => registry::container_registry(&mut cx)?,
        "npm" => packages::npm(&mut cx)?,
        "maven" => packages::maven(&mut cx)?,
        "cloudflare-r2" => cloud::cloudflare_r2(&mut cx)?,
        "pulumi-backend" => backends::pulumi(&mut cx)?,
        "terraform-backend" => backends::terraform(&mut cx)?,
        "auth0" => managed::auth0(&mut cx),
        "openfga" => managed::openfga(&mut cx),
        "mongodb-atlas" => managed::mongodb_atlas(&mut cx),
        "snowflake" => managed::snowflake(&mut cx),
        "confluent" => managed::confluent(&mut cx),
        other => {
            return Err(MaterializeError::Unsupported {
                provider: other.to_owned(),
            })
        }
    }
    Ok(cx.finish())
}
