//! Server configuration: typed, layered (defaults, TOML file, `LANYARD_*` environment, flags),
//! validated once into a [`ServerConfig`] whose fields are already parsed.
//!
//! Loading reads but never writes, and nothing here is global: the caller builds the layers and
//! hands the result to [`crate::prepare`]. Secrets (the master key, a database URL with a
//! password) may come from `*_FILE` variables so they stay out of process listings.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use lanyard_domain::Slug;
use lanyard_runner::settings::{JobSettings, RawJobSettings};
use lanyard_store::DatabaseUrl;
use secrecy::SecretString;
use serde::Deserialize;

/// Where the server listens unless told otherwise: loopback only, so a first start exposes nothing.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8420";

/// Every `LANYARD_*` variable the binary understands (server and CLI), for the unknown-variable
/// warning.
pub const KNOWN_ENV_VARS: &[&str] = &[
    "LANYARD_CONFIG",
    "LANYARD_LISTEN",
    "LANYARD_DATABASE_URL",
    "LANYARD_DATABASE_URL_FILE",
    "LANYARD_DATA_DIR",
    "LANYARD_ORG",
    "LANYARD_MASTER_KEY",
    "LANYARD_MASTER_KEY_FILE",
    "LANYARD_RETIRED_MASTER_KEY_FILES",
    "LANYARD_BUILTIN_RUNNER",
    "LANYARD_RUNNER_TIMEOUT",
    "LANYARD_JOB_DIR",
    "LANYARD_SERVER",
    "LANYARD_TOKEN",
    "LANYARD_TOKEN_FILE",
    "LANYARD_PROFILE",
    "LANYARD_OUTPUT",
    "LANYARD_LOG",
    "LANYARD_CONFIG_DIR",
    "LANYARD_RECONNECT_SECS",
    "LANYARD_AUDIT_READ_WINDOW",
    "LANYARD_RATE_LIMIT",
    "LANYARD_TRUSTED_PROXIES",
    "LANYARD_PUBLIC_URL",
    "LANYARD_OIDC_TOKEN_LIFETIME",
    "LANYARD_OIDC_KEY_ROTATION",
    "LANYARD_JOB_ISOLATION",
    "LANYARD_JOB_USER",
    "LANYARD_JOB_SHARED_DIRS",
    "LANYARD_JOB_TIMEOUT",
    "LANYARD_JOB_MAX_OUTPUT_MIB",
    "LANYARD_JOB_MAX_PROCESSES",
    "LANYARD_JOB_MAX_MEMORY_MIB",
    "LANYARD_JOB_PASS_ENV",
];

/// One layer of configuration; every field optional so layers can be merged.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServerConfig {
    /// `HOST:PORT` to listen on.
    pub listen: Option<String>,
    /// `postgres://…` or `sqlite:///path`; SQLite in the data directory when absent.
    pub database_url: Option<String>,
    /// Where the embedded database and the generated key file live.
    pub data_dir: Option<PathBuf>,
    /// The first organization, created on an empty database.
    pub org: Option<String>,
    /// A file holding the base64 master key.
    pub master_key_file: Option<PathBuf>,
    /// Files holding earlier master keys, kept while `lanyard keys rotate` re-wraps what they
    /// sealed.
    pub retired_master_key_files: Option<Vec<PathBuf>>,
    /// Whether jobs without a runner run inside the server (default true).
    pub builtin_runner: Option<bool>,
    /// Seconds a runner may be silent before its running jobs are failed (default 30).
    pub runner_timeout: Option<u64>,
    /// Where the built-in runner creates per-job directories (default: the temp directory).
    pub job_dir: Option<PathBuf>,
    /// How the built-in runner isolates and limits jobs (the `[jobs]` table).
    pub jobs: Option<RawJobSettings>,
    /// Identical reads (resolves) within this window are one audit event plus a count, e.g.
    /// `60s` (the default).
    pub audit_read_window: Option<String>,
    /// API requests per second each token may make (bursts of twice that); 0 turns limits off.
    pub rate_limit: Option<u32>,
    /// Proxies (addresses or CIDR networks) whose `Forwarded`/`X-Forwarded-For`/
    /// `X-Forwarded-Proto` headers are believed; no one's by default.
    pub trusted_proxies: Option<Vec<String>>,
    /// The https URL clouds and people reach this server at (behind its load balancer): the
    /// OIDC issuer of job identity tokens. Without it, `oidc` connections cannot be used.
    pub public_url: Option<String>,
    /// How long a job's identity token lives at most, e.g. `15m` (default and maximum `1h`).
    pub oidc_token_lifetime: Option<String>,
    /// How old the OIDC signing key gets before it is replaced, e.g. `30d` (the default).
    pub oidc_key_rotation: Option<String>,
    /// The base64 master key itself; only from the environment, never from a file layer.
    #[serde(skip)]
    pub master_key: Option<SecretString>,
}

/// How the master key is obtained.
pub enum MasterKeySetting {
    /// Given directly (`LANYARD_MASTER_KEY`).
    Value(SecretString),
    /// Read from a file the operator named.
    File(PathBuf),
    /// The data directory's `master.key`, generated on the first start.
    DataDir(PathBuf),
}

/// The validated configuration.
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// `None` means SQLite in the data directory.
    pub database: Option<DatabaseUrl>,
    pub data_dir: PathBuf,
    pub first_org: Slug,
    pub master_key: MasterKeySetting,
    /// Earlier keys, during a rotation.
    pub retired_keys: Vec<PathBuf>,
    pub builtin_runner: bool,
    pub runner_timeout: std::time::Duration,
    pub job_dir: PathBuf,
    /// The built-in runner's isolation and limits; its hidden paths already hold the data
    /// directory and key files (a caller adds the config file and home it knows of).
    pub jobs: JobSettings,
    pub audit_read_window: std::time::Duration,
    /// `None`: no rate limits.
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Whose forwarding headers are believed.
    pub trusted_proxies: crate::origin::TrustedProxies,
    /// The OIDC issuer: public URL, token lifetime, key rotation.
    pub issuer: lanyard_core::IssuerSettings,
}

impl RawServerConfig {
    /// Reads a TOML file layer.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Reads the `LANYARD_*` environment layer from `lookup` (e.g. `std::env::var`).
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let database_url = match (
            lookup("LANYARD_DATABASE_URL"),
            lookup("LANYARD_DATABASE_URL_FILE"),
        ) {
            (Some(_), Some(_)) => {
                bail!("set LANYARD_DATABASE_URL or LANYARD_DATABASE_URL_FILE, not both")
            }
            (Some(url), None) => Some(url),
            (None, Some(file)) => Some(
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read LANYARD_DATABASE_URL_FILE {file}"))?
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        Ok(Self {
            listen: lookup("LANYARD_LISTEN"),
            database_url,
            data_dir: lookup("LANYARD_DATA_DIR").map(PathBuf::from),
            org: lookup("LANYARD_ORG"),
            master_key_file: lookup("LANYARD_MASTER_KEY_FILE").map(PathBuf::from),
            retired_master_key_files: lookup("LANYARD_RETIRED_MASTER_KEY_FILES").map(|list| {
                list.split(',')
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| PathBuf::from(p.trim()))
                    .collect()
            }),
            builtin_runner: lookup("LANYARD_BUILTIN_RUNNER")
                .map(|v| match v.as_str() {
                    "true" | "1" | "on" => Ok(true),
                    "false" | "0" | "off" => Ok(false),
                    other => Err(anyhow!(
                        "LANYARD_BUILTIN_RUNNER must be true or false, not `{other}`"
                    )),
                })
                .transpose()?,
            runner_timeout: lookup("LANYARD_RUNNER_TIMEOUT")
                .map(|v| {
                    v.parse().map_err(|_| {
                        anyhow!("LANYARD_RUNNER_TIMEOUT must be a number of seconds, not `{v}`")
                    })
                })
                .transpose()?,
            job_dir: lookup("LANYARD_JOB_DIR").map(PathBuf::from),
            jobs: Some(RawJobSettings::from_env(&lookup).map_err(|e| anyhow!(e))?),
            audit_read_window: lookup("LANYARD_AUDIT_READ_WINDOW"),
            rate_limit: lookup("LANYARD_RATE_LIMIT")
                .map(|v| {
                    v.trim().parse().map_err(|_| {
                        anyhow!(
                            "LANYARD_RATE_LIMIT must be a number of requests per second (0: no \
                             limit), not `{v}`"
                        )
                    })
                })
                .transpose()?,
            trusted_proxies: lookup("LANYARD_TRUSTED_PROXIES").map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
            public_url: lookup("LANYARD_PUBLIC_URL"),
            oidc_token_lifetime: lookup("LANYARD_OIDC_TOKEN_LIFETIME"),
            oidc_key_rotation: lookup("LANYARD_OIDC_KEY_ROTATION"),
            master_key: lookup("LANYARD_MASTER_KEY").map(SecretString::from),
        })
    }

    /// Layers `over` on top of `self`: every field `over` sets wins.
    #[must_use]
    pub fn merge(self, over: Self) -> Self {
        Self {
            listen: over.listen.or(self.listen),
            database_url: over.database_url.or(self.database_url),
            data_dir: over.data_dir.or(self.data_dir),
            org: over.org.or(self.org),
            master_key_file: over.master_key_file.or(self.master_key_file),
            retired_master_key_files: over
                .retired_master_key_files
                .or(self.retired_master_key_files),
            builtin_runner: over.builtin_runner.or(self.builtin_runner),
            runner_timeout: over.runner_timeout.or(self.runner_timeout),
            job_dir: over.job_dir.or(self.job_dir),
            audit_read_window: over.audit_read_window.or(self.audit_read_window),
            rate_limit: over.rate_limit.or(self.rate_limit),
            trusted_proxies: over.trusted_proxies.or(self.trusted_proxies),
            public_url: over.public_url.or(self.public_url),
            oidc_token_lifetime: over.oidc_token_lifetime.or(self.oidc_token_lifetime),
            oidc_key_rotation: over.oidc_key_rotation.or(self.oidc_key_rotation),
            jobs: match (self.jobs, over.jobs) {
                (Some(under), Some(over)) => Some(under.merge(over)),
                (under, over) => over.or(under),
            },
            master_key: over.master_key.or(self.master_key),
        }
    }

    /// Parses every field, applying defaults for what no layer set.
    pub fn validate(self) -> anyhow::Result<ServerConfig> {
        let listen_text = self.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen = listen_text.parse().map_err(|_| {
            anyhow!("invalid listen address `{listen_text}`: use HOST:PORT, e.g. 127.0.0.1:8420")
        })?;
        let data_dir = match self.data_dir {
            Some(dir) => dir,
            None => default_data_dir()?,
        };
        let database = self
            .database_url
            .as_deref()
            .map(DatabaseUrl::parse)
            .transpose()
            .map_err(|e| anyhow!(e))?;
        let org_text = self.org.as_deref().unwrap_or("default");
        let first_org =
            Slug::parse(org_text).map_err(|e| anyhow!("invalid organization name: {e}"))?;
        let master_key = match (self.master_key, self.master_key_file) {
            (Some(_), Some(_)) => {
                bail!("set LANYARD_MASTER_KEY or LANYARD_MASTER_KEY_FILE, not both")
            }
            (Some(value), None) => MasterKeySetting::Value(value),
            (None, Some(file)) => MasterKeySetting::File(file),
            (None, None) => MasterKeySetting::DataDir(data_dir.join("master.key")),
        };
        let retired_keys = self.retired_master_key_files.unwrap_or_default();
        let runner_timeout = self.runner_timeout.unwrap_or(30);
        if runner_timeout < 3 {
            bail!(
                "runner timeout {runner_timeout}s is too short: runners report every 2 seconds; \
                 use 3 or more"
            );
        }
        let mut hidden = vec![data_dir.clone()];
        if let MasterKeySetting::File(file) = &master_key {
            hidden.push(file.clone());
        }
        hidden.extend(retired_keys.iter().cloned());
        let jobs = self
            .jobs
            .unwrap_or_default()
            .validate(hidden)
            .map_err(|e| anyhow!(e))?;
        let audit_read_window = match self.audit_read_window.as_deref() {
            Some(text) => lanyard_domain::parse_duration(text)
                .map_err(|e| anyhow!("audit read window: {e}"))?,
            None => lanyard_core::DEFAULT_READ_WINDOW,
        };
        let rate_limit = std::num::NonZeroU32::new(
            self.rate_limit
                .unwrap_or(crate::rate_limit::DEFAULT_PER_SECOND),
        );
        let trusted_proxies =
            crate::origin::TrustedProxies::parse(&self.trusted_proxies.unwrap_or_default())
                .map_err(|e| anyhow!("LANYARD_TRUSTED_PROXIES: {e}"))?;
        let issuer = issuer_settings(
            self.public_url,
            self.oidc_token_lifetime.as_deref(),
            self.oidc_key_rotation.as_deref(),
        )?;
        Ok(ServerConfig {
            issuer,
            trusted_proxies,
            jobs,
            audit_read_window,
            rate_limit,
            builtin_runner: self.builtin_runner.unwrap_or(true),
            runner_timeout: std::time::Duration::from_secs(runner_timeout),
            job_dir: self.job_dir.unwrap_or_else(std::env::temp_dir),
            listen,
            database,
            data_dir,
            first_org,
            master_key,
            retired_keys,
        })
    }
}

/// The issuer URL must be a plain http(s) origin and path: it is compared byte for byte with
/// the `iss` of every token and with what clouds were configured with.
fn issuer_settings(
    public_url: Option<String>,
    token_lifetime: Option<&str>,
    key_rotation: Option<&str>,
) -> anyhow::Result<lanyard_core::IssuerSettings> {
    let defaults = lanyard_core::IssuerSettings::default();
    let url = match public_url {
        Some(url) => {
            let url = url.trim().trim_end_matches('/').to_owned();
            let plain = url.starts_with("https://") || url.starts_with("http://");
            if !plain
                || url.contains(['?', '#', ' '])
                || url.split("://").nth(1).is_none_or(str::is_empty)
            {
                bail!(
                    "public URL `{url}` is not an http(s) URL without query or fragment; use the \
                     address clouds reach this server at, e.g. https://lanyard.example.com"
                );
            }
            if url.starts_with("http://") {
                tracing::warn!(
                    public_url = %url,
                    "the public URL is not https: AWS, Google Cloud and Azure accept only https \
                     issuers, so oidc connections will not work outside tests"
                );
            }
            Some(url)
        }
        None => None,
    };
    let duration = |text: Option<&str>, what: &str| {
        text.map(|t| lanyard_domain::parse_duration(t).map_err(|e| anyhow!("{what}: {e}")))
            .transpose()
    };
    let token_lifetime =
        duration(token_lifetime, "OIDC token lifetime")?.unwrap_or(defaults.token_lifetime);
    if token_lifetime > defaults.token_lifetime {
        bail!("OIDC token lifetime must be at most 1h: a job's identity token is short-lived");
    }
    let key_rotation =
        duration(key_rotation, "OIDC key rotation")?.unwrap_or(defaults.key_rotation);
    if key_rotation < std::time::Duration::from_secs(3600) {
        bail!("OIDC key rotation must be 1h or longer: each key must outlive the tokens it signs");
    }
    Ok(lanyard_core::IssuerSettings {
        url,
        token_lifetime,
        key_rotation,
        ..defaults
    })
}

/// The user's data directory, e.g. `~/.local/share/lanyard` on Linux.
fn default_data_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "lanyard")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| anyhow!("cannot find a home directory; pass --data-dir"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn later_layers_win_and_defaults_fill_the_rest() {
        let file: RawServerConfig =
            toml::from_str("listen = \"127.0.0.1:1\"\norg = \"from-file\"\ndata_dir = \"/d\"")
                .unwrap();
        let environment = RawServerConfig::from_env(env(&[("LANYARD_ORG", "from-env")])).unwrap();
        let flags = RawServerConfig {
            listen: Some("127.0.0.1:3".into()),
            ..Default::default()
        };
        let config = RawServerConfig::default()
            .merge(file)
            .merge(environment)
            .merge(flags);
        let config = config.validate().unwrap();
        assert_eq!(config.listen.port(), 3);
        assert_eq!(config.first_org.as_str(), "from-env");
        assert_eq!(config.data_dir, PathBuf::from("/d"));
        assert!(
            matches!(config.master_key, MasterKeySetting::DataDir(p) if p == Path::new("/d/master.key"))
        );
    }

    #[test]
    fn bad_values_say_how_to_fix_them() {
        let bad = RawServerConfig {
            listen: Some("nonsense".into()),
            ..Default::default()
        };
        let err = bad.validate().err().unwrap().to_string();
        assert!(err.contains("HOST:PORT"), "{err}");
        let both = RawServerConfig::from_env(env(&[
            ("LANYARD_MASTER_KEY", "k"),
            ("LANYARD_MASTER_KEY_FILE", "/k"),
        ]))
        .unwrap();
        let err = both.validate().err().unwrap().to_string();
        assert!(err.contains("not both"), "{err}");
        for (public_url, lifetime, rotation, expected) in [
            (Some("ftp://x"), None, None, "http(s) URL"),
            (Some("https://x/?a=1"), None, None, "without query"),
            (None, Some("2h"), None, "at most 1h"),
            (None, None, Some("10m"), "1h or longer"),
        ] {
            let raw = RawServerConfig {
                public_url: public_url.map(str::to_owned),
                oidc_token_lifetime: lifetime.map(str::to_owned),
                oidc_key_rotation: rotation.map(str::to_owned),
                data_dir: Some("/d".into()),
                ..Default::default()
            };
            let err = raw.validate().err().unwrap().to_string();
            assert!(err.contains(expected), "{err}");
        }
        let unknown = toml::from_str::<RawServerConfig>("listn = \"x\"");
        assert!(
            unknown.is_err(),
            "a typo in the config file must be an error"
        );
    }
}
