//! The builder each provider's materializer writes into.
//!
//! It only hands out values of fields that apply to the connection's kind and mode, so a
//! runner-mode connection cannot leak a stale inline credential, and it decides secret vs plain
//! from the catalog rather than leaving that to each materializer.

use secrecy::{ExposeSecret, SecretString};

use super::output::{AwsAssumeRole, EnvValue, EnvVar, FileSpec, Materialization};
use super::MaterializeError;
use crate::input::ResolvedFields;
use crate::mode::AuthMode;
use crate::spec::ProviderSpec;

pub(super) struct Ctx<'a> {
    spec: &'a ProviderSpec,
    kind: Option<&'a str>,
    mode: AuthMode,
    values: &'a ResolvedFields,
    out: Materialization,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        spec: &'a ProviderSpec,
        kind: Option<&'a str>,
        mode: AuthMode,
        values: &'a ResolvedFields,
    ) -> Self {
        Ctx {
            spec,
            kind,
            mode,
            values,
            out: Materialization::default(),
        }
    }

    pub(super) fn kind(&self) -> Option<&'a str> {
        self.kind
    }

    pub(super) fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The value of `name` if the field applies to this connection and is not blank.
    pub(super) fn get(&self, name: &str) -> Option<&'a str> {
        let field = self.spec.field(name)?;
        if !field.applies(self.kind, self.mode) {
            return None;
        }
        let values: &'a ResolvedFields = self.values;
        values
            .get(name)
            .map(|v| v.expose_secret())
            .filter(|v| !v.trim().is_empty())
    }

    /// The value of a field validation guarantees is present.
    pub(super) fn require(&self, name: &'static str) -> Result<&'a str, MaterializeError> {
        self.get(name)
            .ok_or(MaterializeError::MissingValue { field: name })
    }

    pub(super) fn is_secret(&self, name: &str) -> bool {
        self.spec
            .field(name)
            .is_some_and(|f| f.secret_in(self.mode))
    }

    /// Exports a field under each of `variables`, as a secret when the catalog says it is one.
    pub(super) fn field_env(&mut self, field: &str, variables: &[&str]) {
        let Some(value) = self.get(field) else { return };
        let secret = self.is_secret(field);
        for variable in variables {
            if secret {
                self.secret(variable, value);
            } else {
                self.plain(variable, value);
            }
        }
    }

    /// A value derived only from non-secret fields.
    pub(super) fn plain(&mut self, variable: &str, value: impl Into<String>) {
        self.push(variable, EnvValue::Plain(value.into()));
    }

    /// A value derived from a secret field.
    pub(super) fn secret(&mut self, variable: &str, value: &str) {
        self.push(
            variable,
            EnvValue::Secret(SecretString::from(value.to_owned())),
        );
    }

    /// `variable` = path of file `id`.
    pub(super) fn file_path(&mut self, variable: &str, id: &str) {
        self.push(variable, EnvValue::FilePath(id.to_owned()));
    }

    /// `variable` = directory holding file `id`.
    pub(super) fn file_dir(&mut self, variable: &str, id: &str) {
        self.push(variable, EnvValue::FileDir(id.to_owned()));
    }

    /// `variable` = `prefix` + path of file `id`.
    pub(super) fn file_arg(&mut self, variable: &str, prefix: &str, id: &str) {
        self.push(
            variable,
            EnvValue::FileArg {
                prefix: prefix.to_owned(),
                file: id.to_owned(),
            },
        );
    }

    /// A file to write; its contents are always secret.
    pub(super) fn file(&mut self, id: &str, file_name: &str, contents: String) {
        self.out.files.push(FileSpec {
            id: id.to_owned(),
            file_name: file_name.to_owned(),
            contents: SecretString::from(contents),
        });
    }

    /// A file that holds a document whose secret parts are registered one by one (see
    /// `Materialization::structured`); the rest of it stays readable in job output.
    pub(super) fn structured_file(&mut self, id: &str, file_name: &str, contents: String) {
        self.file(id, file_name, contents);
        self.out.structured.push(format!("file:{id}"));
    }

    /// The connection's private CA (`ca_bundle`), if it has one, as a readable file `id` whose
    /// path is `variable` (SSL_CERT_FILE for Go tools and OpenSSL, which still load the system's
    /// certificate directory, so public hosts stay trusted; REQUESTS_CA_BUNDLE for Python;
    /// GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE). True when there is one.
    pub(super) fn ca_bundle_as(&mut self, id: &str, variable: &str) -> bool {
        let Some(pem) = self.get("ca_bundle") else {
            return false;
        };
        // Public certificates: readable in job output, nothing of them masked.
        self.structured_file(id, "ca-bundle.pem", pem.to_owned());
        self.file_path(variable, id);
        true
    }

    /// A variable holding such a document.
    pub(super) fn structured_secret(&mut self, variable: &str, value: &str) {
        self.secret(variable, value);
        self.out.structured.push(format!("env:{variable}"));
    }

    /// A secret that appears inside a file or an encoding but not as a whole env value.
    pub(super) fn embedded_secret(&mut self, value: &str) {
        if !value.is_empty() {
            self.out
                .embedded_secrets
                .push(SecretString::from(value.to_owned()));
        }
    }

    /// A multi-line secret such as a PEM key: the whole value, and each substantial line, so
    /// that a key printed line by line (or JSON-escaped on one line) is still masked.
    pub(super) fn embedded_multiline_secret(&mut self, value: &str) {
        self.embedded_secret(value);
        for line in value.lines().map(str::trim) {
            if line.len() >= 16 && !line.starts_with("-----") {
                self.embedded_secret(line);
            }
        }
    }

    /// Writes the job's identity token (an `oidc` connection) as a file of its own, masked
    /// whole.
    pub(super) fn identity_token_file(&mut self, id: &str) -> Result<(), MaterializeError> {
        let token = self
            .values
            .get(super::IDENTITY_TOKEN)
            .map(|v| v.expose_secret().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or(MaterializeError::MissingValue {
                field: "identity token",
            })?;
        self.file(id, "token.jwt", token);
        Ok(())
    }

    /// A file with no secret in it whose contents name other files' paths through
    /// [`super::path_placeholder`]; the runner fills them in.
    pub(super) fn path_template_file(&mut self, id: &str, file_name: &str, contents: String) {
        self.structured_file(id, file_name, contents);
        self.out.path_templates.push(id.to_owned());
    }

    /// Trades inline AWS keys for temporary credentials on the runner.
    pub(super) fn exchange(&mut self, role_arn: Option<&str>, duration_secs: u64) {
        self.out.exchange = Some(super::AwsExchange {
            role_arn: role_arn.map(str::to_owned),
            duration_secs,
        });
    }

    pub(super) fn assume_role(&mut self, role_arn: &str, external_id: Option<&str>) {
        self.out.assume_role = Some(AwsAssumeRole {
            role_arn: role_arn.to_owned(),
            external_id: external_id.map(|id| SecretString::from(id.to_owned())),
        });
    }

    fn push(&mut self, variable: &str, value: EnvValue) {
        self.out.env.push(EnvVar {
            name: variable.to_owned(),
            value,
        });
    }

    pub(super) fn finish(self) -> Materialization {
        self.out
    }
}
