//! Loading the known-answer vectors committed under `tests/vectors/`.

use std::path::{Path, PathBuf};

use lanyard_crypto::{Keyring, MasterKey, SecretContext, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

pub fn load<T: DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("parsing {}: {err}", path.display()))
}

pub fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("vector hex")
}

pub fn key(b64: &str) -> MasterKey {
    MasterKey::from_base64(&SecretString::from(b64)).expect("vector key")
}

#[derive(Deserialize)]
pub struct Context {
    pub org: String,
    pub secret: String,
    pub version: u32,
}

impl Context {
    pub fn to_ctx(&self) -> SecretContext {
        SecretContext::new(self.org.clone(), self.secret.clone(), self.version)
    }
}

#[derive(Deserialize)]
pub struct KeyVector {
    pub key: String,
    pub key_id: String,
    pub check_value: String,
}

#[derive(Deserialize)]
pub struct EnvelopeVector {
    pub name: String,
    pub key: String,
    pub context: Context,
    pub plaintext: String,
    pub dek: String,
    pub dek_nonce: String,
    pub data_nonce: String,
    pub blob: String,
}

#[derive(Deserialize)]
pub struct KeyringSpec {
    pub active: String,
    pub retired: Vec<String>,
}

impl KeyringSpec {
    pub fn build(&self) -> Keyring {
        self.retired
            .iter()
            .fold(Keyring::new(key(&self.active)), |ring, b64| {
                ring.with_retired(key(b64))
            })
    }
}

#[derive(Deserialize)]
pub struct FailVector {
    pub description: String,
    pub keyring: KeyringSpec,
    pub context: Context,
    pub blob: String,
    pub error: String,
    pub error_version: Option<u8>,
    pub error_key_id: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenVectors {
    pub valid: Vec<ValidToken>,
    pub invalid: Vec<InvalidToken>,
}

#[derive(Deserialize)]
pub struct ValidToken {
    pub token: String,
    pub kind: String,
    pub sha256: String,
}

#[derive(Deserialize)]
pub struct InvalidToken {
    pub input: String,
    pub error: String,
}

pub fn envelope_vectors() -> Vec<EnvelopeVector> {
    load(&vectors_dir().join("envelope_v1.json"))
}

/// Every `fail_*.json` file, with its file name.
pub fn fail_vectors() -> Vec<(String, FailVector)> {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .expect("vectors dir")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("fail_") && name.ends_with(".json")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, load(&path))
        })
        .collect()
}
