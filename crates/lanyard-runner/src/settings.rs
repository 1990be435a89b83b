//! How a runner runs jobs, as an operator configures it: isolation, the job user, shared
//! directories and limits. One layer type for the server's built-in runner (its `[jobs]` table
//! and `LANYARD_JOB_*`) and for `lanyard runner start`, merged like the rest of the config.

use std::path::PathBuf;

use lanyard_sandbox::{IsolationMode, JobUser, Limits, SandboxConfig};
use serde::Deserialize;

use crate::JobLimits;

/// Every `LANYARD_JOB_*` variable, for the unknown-variable warning.
pub const JOB_ENV_VARS: &[&str] = &[
    "LANYARD_JOB_ISOLATION",
    "LANYARD_JOB_USER",
    "LANYARD_JOB_SHARED_DIRS",
    "LANYARD_JOB_TIMEOUT",
    "LANYARD_JOB_MAX_OUTPUT_MIB",
    "LANYARD_JOB_MAX_PROCESSES",
    "LANYARD_JOB_MAX_MEMORY_MIB",
    "LANYARD_JOB_PASS_ENV",
];

/// One layer of job settings; every field optional so that layers merge.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJobSettings {
    /// `sandbox` (default: refuse jobs where no sandbox works) or `unsandboxed`.
    pub isolation: Option<String>,
    /// The user jobs run as when the runner is root: a name or `UID[:GID]` (default nobody).
    pub user: Option<String>,
    /// Directories every job may read and write, e.g. a plugin cache.
    pub shared_dirs: Option<Vec<PathBuf>>,
    /// Default wall-clock limit, e.g. `2h`; jobs may set their own with `--timeout`.
    pub timeout: Option<String>,
    pub max_output_mib: Option<u64>,
    pub max_processes: Option<u64>,
    pub max_memory_mib: Option<u64>,
    /// Variables of the runner's environment every job inherits (proxy settings, a CA bundle, a
    /// provider mirror); names that look like credentials are refused.
    pub pass_env: Option<Vec<String>>,
}

/// Validated job settings.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub sandbox: SandboxConfig,
    pub limits: JobLimits,
    pub pass_env: Vec<String>,
}

impl RawJobSettings {
    /// Reads `LANYARD_JOB_*` from `lookup`.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let number = |name: &str| {
            lookup(name)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{name} must be a whole number, not `{v}`"))
                })
                .transpose()
        };
        Ok(Self {
            isolation: lookup("LANYARD_JOB_ISOLATION"),
            user: lookup("LANYARD_JOB_USER"),
            shared_dirs: lookup("LANYARD_JOB_SHARED_DIRS").map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .collect()
            }),
            timeout: lookup("LANYARD_JOB_TIMEOUT"),
            max_output_mib: number("LANYARD_JOB_MAX_OUTPUT_MIB")?,
            max_processes: number("LANYARD_JOB_MAX_PROCESSES")?,
            max_memory_mib: number("LANYARD_JOB_MAX_MEMORY_MIB")?,
            pass_env: lookup("LANYARD_JOB_PASS_ENV").map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
        })
    }

    /// Layers `over` on top of `self`.
    #[must_use]
    pub fn merge(self, over: Self) -> Self {
        Self {
            isolation: over.isolation.or(self.isolation),
            user: over.user.or(self.user),
            shared_dirs: over.shared_dirs.or(self.shared_dirs),
            timeout: over.timeout.or(self.timeout),
            max_output_mib: over.max_output_mib.or(self.max_output_mib),
            max_processes: over.max_processes.or(self.max_processes),
            max_memory_mib: over.max_memory_mib.or(self.max_memory_mib),
            pass_env: over.pass_env.or(self.pass_env),
        }
    }

    /// Parses every field; `hidden` are the paths of the runner's own no job may see.
    pub fn validate(self, hidden: Vec<PathBuf>) -> Result<JobSettings, String> {
        let mode = match self.isolation.as_deref() {
            Some(text) => text.parse::<IsolationMode>()?,
            None => IsolationMode::Required,
        };
        let job_user = self
            .user
            .as_deref()
            .map(str::parse::<JobUser>)
            .transpose()?;
        let timeout = self
            .timeout
            .as_deref()
            .map(lanyard_domain::parse_duration)
            .transpose()
            .map_err(|e| format!("job timeout: {e}"))?;
        let pass_env = self.pass_env.unwrap_or_default();
        crate::check_pass_env(&pass_env).map_err(|e| format!("job pass-through variables: {e}"))?;
        let mib = |n: u64| n.saturating_mul(1024 * 1024);
        if self.max_output_mib == Some(0) || self.max_processes == Some(0) {
            return Err("job limits must be above zero; leave one unset for no limit".to_owned());
        }
        Ok(JobSettings {
            pass_env,
            sandbox: SandboxConfig {
                mode,
                job_user,
                shared_dirs: self.shared_dirs.unwrap_or_default(),
                hidden,
                limits: Limits {
                    processes: self.max_processes,
                    memory_bytes: self.max_memory_mib.map(mib),
                },
                // Set by the binary, which is the helper (see `lanyard_sandbox::landlock`).
                landlock_helper: None,
            },
            limits: JobLimits {
                timeout,
                max_output_bytes: self
                    .max_output_mib
                    .map_or(crate::DEFAULT_MAX_OUTPUT_BYTES, mib),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn settings_layer_and_parse() {
        let file: RawJobSettings =
            toml::from_str("isolation = \"unsandboxed\"\ntimeout = \"2h\"\nmax_output_mib = 8")
                .unwrap();
        let environment = RawJobSettings::from_env(env(&[
            ("LANYARD_JOB_TIMEOUT", "15m"),
            ("LANYARD_JOB_SHARED_DIRS", "/a, /b"),
        ]))
        .unwrap();
        let settings = file.merge(environment).validate(Vec::new()).unwrap();
        assert_eq!(settings.sandbox.mode, IsolationMode::Unsandboxed);
        assert_eq!(settings.limits.timeout, Some(Duration::from_secs(900)));
        assert_eq!(settings.limits.max_output_bytes, 8 * 1024 * 1024);
        assert_eq!(
            settings.sandbox.shared_dirs,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }

    #[test]
    fn bad_settings_say_how_to_fix_them() {
        let cases: &[(RawJobSettings, &str)] = &[
            (
                RawJobSettings {
                    isolation: Some("none".into()),
                    ..Default::default()
                },
                "`sandbox`",
            ),
            (
                RawJobSettings {
                    timeout: Some("soon".into()),
                    ..Default::default()
                },
                "15m",
            ),
            (
                RawJobSettings {
                    max_processes: Some(0),
                    ..Default::default()
                },
                "above zero",
            ),
        ];
        for (raw, hint) in cases {
            let err = raw.clone().validate(Vec::new()).unwrap_err();
            assert!(err.contains(hint), "{err}");
        }
        let err =
            RawJobSettings::from_env(env(&[("LANYARD_JOB_MAX_PROCESSES", "lots")])).unwrap_err();
        assert!(err.contains("LANYARD_JOB_MAX_PROCESSES"), "{err}");
    }
}
