//! Loading the key-encryption key from where the configuration says, or generating it on the
//! first start.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use lanyard_core::KeySource;
use lanyard_crypto::MasterKey;
use secrecy::{ExposeSecret, SecretString};

use crate::config::MasterKeySetting;

/// Loads the key; generates the data-directory key file only when `may_generate` (an empty
/// database), so an existing installation never silently gets a new key.
pub(crate) fn load(
    setting: &MasterKeySetting,
    may_generate: bool,
) -> anyhow::Result<(MasterKey, KeySource)> {
    match setting {
        MasterKeySetting::Value(value) => {
            let key = MasterKey::from_base64(value)
                .map_err(|e| anyhow!("LANYARD_MASTER_KEY is not a valid master key: {e}"))?;
            Ok((key, KeySource::Environment))
        }
        MasterKeySetting::File(path) => Ok((read_key_file(path)?, KeySource::File(path.clone()))),
        MasterKeySetting::DataDir(path) => {
            let key = if path.exists() {
                read_key_file(path)?
            } else if may_generate {
                generate_key_file(path)?
            } else {
                bail!(
                    "this database was set up with a master key, but {} does not exist; set \
                     LANYARD_MASTER_KEY or LANYARD_MASTER_KEY_FILE to the key it was created with",
                    path.display()
                )
            };
            Ok((key, KeySource::DataDir(path.clone())))
        }
    }
}

/// Loads the retired keys named in the configuration.
pub(crate) fn load_retired(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<MasterKey>> {
    paths
        .iter()
        .map(|path| read_key_file(path).context("in LANYARD_RETIRED_MASTER_KEY_FILES"))
        .collect()
}

fn read_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read master key file {}", path.display()))?;
    MasterKey::from_base64(&SecretString::from(text))
        .map_err(|e| anyhow!("master key file {} is not a valid key: {e}", path.display()))
}

/// Writes a new random key, readable by the owner only; refuses to overwrite an existing file.
fn generate_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    }
    let key = MasterKey::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create master key file {}", path.display()))?;
    file.write_all(key.to_base64().expose_secret().as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write master key file {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "generated a new master key; back it up: without it the stored secrets cannot be read"
    );
    Ok(key)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn generated_key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let setting = MasterKeySetting::DataDir(path.clone());
        let (first, _) = load(&setting, true).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, source) = load(&setting, false).unwrap();
        assert_eq!(first.key_id(), again.key_id());
        assert!(matches!(source, KeySource::DataDir(_)));
    }

    #[test]
    fn missing_key_for_an_existing_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let setting = MasterKeySetting::DataDir(dir.path().join("master.key"));
        let err = load(&setting, false).err().unwrap().to_string();
        assert!(err.contains("LANYARD_MASTER_KEY"), "{err}");
    }

    #[test]
    fn malformed_key_names_its_source_without_echoing_it() {
        let setting = MasterKeySetting::Value(SecretString::from("not-a-key-planted".to_owned()));
        let err = load(&setting, true).err().unwrap().to_string();
        assert!(err.contains("LANYARD_MASTER_KEY"), "{err}");
        assert!(!err.contains("planted"), "{err}");
    }
}
