//! Saved CLI profiles: which server, organization and token `lanyard` uses when no flag says.
//!
//! The file is `~/.config/lanyard/config.toml` (or `$LANYARD_CONFIG_DIR/config.toml`), written
//! with mode 0600 because it holds API tokens.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every saved profile and which one is current.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Profiles {
    pub current: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One server, organization and token.
#[derive(Serialize, Deserialize)]
pub(crate) struct Profile {
    pub server: String,
    pub org: String,
    pub token: StoredToken,
}

/// A token as kept in the profile file: written out (the file is 0600), never printed.
pub(crate) struct StoredToken(pub SecretString);

impl Serialize for StoredToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose_secret())
    }
}

impl<'de> Deserialize<'de> for StoredToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(SecretString::from(s)))
    }
}

/// Where the profile file lives.
pub(crate) fn path() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("LANYARD_CONFIG_DIR") {
        return Ok(PathBuf::from(dir).join("config.toml"));
    }
    directories::ProjectDirs::from("", "", "lanyard")
        .map(|dirs| dirs.config_dir().join("config.toml"))
        .ok_or_else(|| {
            anyhow!("cannot find a home directory for the CLI profile; set LANYARD_CONFIG_DIR")
        })
}

impl Profiles {
    /// Loads the file; a missing file is an empty set of profiles.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("invalid profile file {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => {
                Err(e).with_context(|| format!("cannot read profile file {}", path.display()))
            }
        }
    }

    /// Writes the file atomically with owner-only permissions.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path
            .parent()
            .ok_or_else(|| anyhow!("invalid profile path"))?;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
        let text = toml::to_string_pretty(self).context("cannot encode profiles")?;
        let temp = path.with_extension("toml.tmp");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .with_context(|| format!("cannot write {}", temp.display()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", temp.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Adds or replaces a profile and makes it current.
    pub fn upsert_current(&mut self, name: &str, profile: Profile) {
        self.profiles.insert(name.to_owned(), profile);
        self.current = Some(name.to_owned());
    }

    /// The named profile, or an error that lists the saved ones.
    pub fn require(&self, name: &str) -> anyhow::Result<&Profile> {
        self.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            anyhow!(
                "no profile named `{name}`; saved profiles: [{}]",
                known.join(", ")
            )
        })
    }

    /// `name`, or the first of `name-2`, `name-3`, … no profile has yet: a new server never
    /// takes over an existing profile.
    pub fn free_name(&self, name: &str) -> String {
        if !self.profiles.contains_key(name) {
            return name.to_owned();
        }
        (2..)
            .map(|n| format!("{name}-{n}"))
            .find(|candidate| !self.profiles.contains_key(candidate))
            .unwrap_or_else(|| name.to_owned())
    }

    /// The named profile, or the current one.
    pub fn select(&self, name: Option<&str>) -> anyhow::Result<Option<&Profile>> {
        match name {
            Some(name) => self.require(name).map(Some),
            None => Ok(self.current.as_deref().and_then(|c| self.profiles.get(c))),
        }
    }
}
