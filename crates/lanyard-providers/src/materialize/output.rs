//! What materialization produces: environment variables and files for one job, plus the list of
//! secret strings the log redactor must mask.
//!
//! File layout contract with the runner: each [`FileSpec`] is written, mode 0600, as
//! `<job dir>/<id>/<file_name>` inside directories created 0700, and is deleted with the job.
//! [`EnvValue::FilePath`] then stands for that path and [`EnvValue::FileDir`] for
//! `<job dir>/<id>`, which holds only that file (this is how `DOCKER_CONFIG` points at a
//! directory containing `config.json`).

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use super::MaterializeError;

/// The permission bits every materialized file is written with.
pub const FILE_MODE: u32 = 0o600;
/// The permission bits of the per-file directories.
pub const DIR_MODE: u32 = 0o700;

/// Environment variables and files that give a job one connection's credentials.
#[derive(Debug, Default)]
pub struct Materialization {
    /// Variables to set, in a stable order.
    pub env: Vec<EnvVar>,
    /// Files to write before the job starts.
    pub files: Vec<FileSpec>,
    /// AWS cross-account trust: the role the runner must assume with its own identity before
    /// the job starts, exporting the temporary credentials as `AWS_*` variables.
    pub assume_role: Option<AwsAssumeRole>,
    /// Inline AWS keys with a session duration: the runner trades them for temporary
    /// credentials before the job starts, and the job gets only those.
    pub exchange: Option<AwsExchange>,
    /// Files whose contents name other files' paths ([`path_placeholder`]); the runner fills
    /// the paths in when it writes them ([`Materialization::render_file`]).
    pub path_templates: Vec<String>,
    /// Secret fragments embedded in files or encodings (a token inside `.npmrc`, a docker
    /// `auth` value, PEM lines of a key) that do not appear as whole env values or files.
    pub(crate) embedded_secrets: Vec<SecretString>,
    /// Files (`file:ID`) and secret variables (`env:NAME`) that hold a document with secrets
    /// inside (a kubeconfig, a service-account key): their secret parts are masked one by one
    /// (as embedded secrets), not the whole document, so that cluster URLs, context names,
    /// project ids and client emails stay readable in job output.
    pub(crate) structured: Vec<String>,
}

/// One environment variable.
#[derive(Debug)]
pub struct EnvVar {
    /// The variable name.
    pub name: String,
    /// Its value, or how to compute it once files are written.
    pub value: EnvValue,
}

/// The value of an environment variable.
#[derive(Debug)]
pub enum EnvValue {
    /// Not derived from any secret (a region, a project id given as a plain field).
    Plain(String),
    /// Derived from a secret field: set it, and mask it in logs.
    Secret(SecretString),
    /// The path of the file with this id.
    FilePath(String),
    /// The directory that holds (only) the file with this id.
    FileDir(String),
    /// `prefix` immediately followed by the path of the file with this id, e.g.
    /// `TF_CLI_ARGS_init=-backend-config=<path>`.
    FileArg {
        /// Text before the path.
        prefix: String,
        /// The file id.
        file: String,
    },
}

/// A file to write for the job.
#[derive(Debug)]
pub struct FileSpec {
    /// Unique within one materialization; names the directory the file is written in.
    pub id: String,
    /// The file's name inside that directory (some tools insist on a name, e.g. `config.json`).
    pub file_name: String,
    /// The contents; always treated as secret.
    pub contents: SecretString,
}

/// The role a runner assumes for a cross-account-trust connection.
#[derive(Debug)]
pub struct AwsAssumeRole {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub role_arn: String,
    /// The `sts:ExternalId` the role's trust policy requires.
    pub external_id: Option<SecretString>,
}

/// Inline AWS keys to trade for temporary credentials (STS GetSessionToken, or AssumeRole when
/// a role is named) that last `duration_secs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsExchange {
    pub role_arn: Option<String>,
    pub duration_secs: u64,
}

/// What a path template holds where file `id`'s path goes.
pub fn path_placeholder(id: &str) -> String {
    format!("{{{{lanyard:path:{id}}}}}")
}

impl FileSpec {
    /// Where the runner writes this file under its per-job directory.
    pub fn path_under(&self, job_dir: &Path) -> PathBuf {
        self.dir_under(job_dir).join(&self.file_name)
    }

    /// The directory that holds this file under the per-job directory.
    pub fn dir_under(&self, job_dir: &Path) -> PathBuf {
        job_dir.join(&self.id)
    }
}

impl Materialization {
    /// Rebuilds a materialization received from the server (a runner's side of the wire);
    /// `masks` are all its secret strings, as [`Materialization::secret_values`] gave them.
    pub fn from_parts(
        env: Vec<EnvVar>,
        files: Vec<FileSpec>,
        assume_role: Option<AwsAssumeRole>,
        masks: Vec<SecretString>,
        structured: Vec<String>,
    ) -> Self {
        Self {
            env,
            files,
            assume_role,
            exchange: None,
            path_templates: Vec::new(),
            embedded_secrets: masks,
            structured,
        }
    }

    /// Keeps masking `value` in the job's output although no variable or file holds it any
    /// more (stored keys a runner traded for temporary ones).
    pub fn keep_masked(&mut self, value: SecretString) {
        if !value.expose_secret().is_empty() {
            self.embedded_secrets.push(value);
        }
    }

    /// The contents to write for `file` under `job_dir`: as they are, or, for a path template,
    /// with every placeholder replaced by the path of the file it names (JSON-escaped: the
    /// templates are JSON documents).
    pub fn render_file(
        &self,
        file: &FileSpec,
        job_dir: &Path,
    ) -> Result<SecretString, MaterializeError> {
        if !self.path_templates.contains(&file.id) {
            return Ok(file.contents.clone());
        }
        let mut text = file.contents.expose_secret().to_owned();
        for other in &self.files {
            let placeholder = path_placeholder(&other.id);
            if !text.contains(&placeholder) {
                continue;
            }
            let path = other
                .path_under(job_dir)
                .into_os_string()
                .into_string()
                .map_err(|_| MaterializeError::NonUtf8Path)?;
            let quoted = serde_json::to_string(&path).map_err(|_| MaterializeError::NonUtf8Path)?;
            text = text.replace(&placeholder, &quoted[1..quoted.len() - 1]);
        }
        if let Some(start) = text.find("{{lanyard:path:") {
            let rest = &text[start + "{{lanyard:path:".len()..];
            let id = rest.split("}}").next().unwrap_or_default();
            return Err(MaterializeError::UnknownFile {
                variable: format!("file {}", file.id),
                file: id.to_owned(),
            });
        }
        Ok(SecretString::from(text))
    }

    /// The files (`file:ID`) and variables (`env:NAME`) masked by their secret parts only.
    pub fn structured(&self) -> &[String] {
        &self.structured
    }

    /// The variable called `name`.
    pub fn env_var(&self, name: &str) -> Option<&EnvValue> {
        self.env.iter().find(|v| v.name == name).map(|v| &v.value)
    }

    /// The value of variable `name` when it is a plain (non-secret) one.
    pub fn plain_env(&self, name: &str) -> Option<&str> {
        match self.env_var(name) {
            Some(EnvValue::Plain(value)) => Some(value),
            _ => None,
        }
    }

    /// The file with this id.
    pub fn file(&self, id: &str) -> Option<&FileSpec> {
        self.files.iter().find(|f| f.id == id)
    }

    /// Every secret string this materialization carries, longest first and without
    /// duplicates: secret env values, file contents, the external id, and secret fragments
    /// embedded in files. A redactor masks each of them in job output.
    pub fn secret_values(&self) -> Vec<&SecretString> {
        let whole = |key: String| !self.structured.contains(&key);
        let env = self.env.iter().filter_map(|v| match &v.value {
            EnvValue::Secret(secret) if whole(format!("env:{}", v.name)) => Some(secret),
            _ => None,
        });
        let files = self
            .files
            .iter()
            .filter(|f| whole(format!("file:{}", f.id)))
            .map(|f| &f.contents);
        let role = self
            .assume_role
            .iter()
            .filter_map(|r| r.external_id.as_ref());
        let mut all: Vec<&SecretString> = env
            .chain(files)
            .chain(role)
            .chain(&self.embedded_secrets)
            .filter(|s| !s.expose_secret().is_empty())
            .collect();
        all.sort_by(|a, b| {
            b.expose_secret()
                .len()
                .cmp(&a.expose_secret().len())
                .then_with(|| a.expose_secret().cmp(b.expose_secret()))
        });
        all.dedup_by(|a, b| a.expose_secret() == b.expose_secret());
        all
    }

    /// The final variables once the files are written under `job_dir` (see the module docs
    /// for the layout). Every value is returned as a secret so that callers handle them
    /// uniformly; [`EnvValue`] says which ones really are.
    pub fn render_env(
        &self,
        job_dir: &Path,
    ) -> Result<Vec<(String, SecretString)>, MaterializeError> {
        let path_of = |name: &str, id: &str, dir: bool| -> Result<String, MaterializeError> {
            let file = self.file(id).ok_or_else(|| MaterializeError::UnknownFile {
                variable: name.to_owned(),
                file: id.to_owned(),
            })?;
            let path = if dir {
                file.dir_under(job_dir)
            } else {
                file.path_under(job_dir)
            };
            path.into_os_string()
                .into_string()
                .map_err(|_| MaterializeError::NonUtf8Path)
        };
        self.env
            .iter()
            .map(|var| {
                let value = match &var.value {
                    EnvValue::Plain(v) => v.clone(),
                    EnvValue::Secret(s) => s.expose_secret().to_owned(),
                    EnvValue::FilePath(id) => path_of(&var.name, id, false)?,
                    EnvValue::FileDir(id) => path_of(&var.name, id, true)?,
                    EnvValue::FileArg { prefix, file } => {
                        format!("{prefix}{}", path_of(&var.name, file, false)?)
                    }
                };
                Ok((var.name.clone(), SecretString::from(value)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Materialization {
        Materialization {
            env: vec![
                EnvVar {
                    name: "A".into(),
                    value: EnvValue::Plain("plain".into()),
                },
                EnvVar {
                    name: "B".into(),
                    value: EnvValue::Secret("short".to_owned().into()),
                },
                EnvVar {
                    name: "C".into(),
                    value: EnvValue::FileDir("docker".into()),
                },
                EnvVar {
                    name: "D".into(),
                    value: EnvValue::FileArg {
                        prefix: "--settings ".into(),
                        file: "docker".into(),
                    },
                },
            ],
            files: vec![FileSpec {
                id: "docker".into(),
                file_name: "config.json".into(),
                contents: "{\"auths\":{}} with a longer body".to_owned().into(),
            }],
            assume_role: None,
            exchange: None,
            path_templates: Vec::new(),
            embedded_secrets: vec!["short".to_owned().into(), String::new().into()],
            structured: Vec::new(),
        }
    }

    #[test]
    fn secret_values_are_deduplicated_longest_first() {
        let m = sample();
        let values: Vec<&str> = m
            .secret_values()
            .iter()
            .map(|s| s.expose_secret())
            .collect();
        assert_eq!(values, ["{\"auths\":{}} with a longer body", "short"]);
    }

    #[test]
    fn render_env_fills_in_paths() {
        let rendered = sample().render_env(Path::new("/run/job")).unwrap();
        let get = |n: &str| {
            rendered
                .iter()
                .find(|(name, _)| name == n)
                .unwrap()
                .1
                .expose_secret()
                .to_owned()
        };
        assert_eq!(get("C"), "/run/job/docker");
        assert_eq!(get("D"), "--settings /run/job/docker/config.json");
        assert_eq!(get("B"), "short");
    }

    #[test]
    fn render_env_rejects_dangling_file_ids() {
        let mut m = sample();
        m.env.push(EnvVar {
            name: "E".into(),
            value: EnvValue::FilePath("nope".into()),
        });
        assert!(matches!(
            m.render_env(Path::new("/tmp")),
            Err(MaterializeError::UnknownFile { .. })
        ));
    }
}
