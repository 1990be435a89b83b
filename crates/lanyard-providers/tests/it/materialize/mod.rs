//! What each provider injects, and invariants every materialization keeps.

mod backends;
mod clouds;
mod federated;
mod files;
mod invariants;

use std::collections::BTreeSet;

use lanyard_providers::{find, materialize, AuthMode, EnvValue, Materialization, ResolvedFields};
use secrecy::ExposeSecret;

pub(crate) fn run(
    provider: &str,
    kind: Option<&str>,
    mode: AuthMode,
    values: &ResolvedFields,
) -> Materialization {
    materialize(find(provider).unwrap(), kind, mode, values)
        .unwrap_or_else(|e| panic!("{provider}: {e}"))
}

pub(crate) fn plain<'m>(m: &'m Materialization, name: &str) -> &'m str {
    match m.env_var(name) {
        Some(EnvValue::Plain(v)) => v,
        other => panic!("{name}: expected a plain value, got {other:?}"),
    }
}

pub(crate) fn secret(m: &Materialization, name: &str) -> String {
    match m.env_var(name) {
        Some(EnvValue::Secret(v)) => v.expose_secret().to_owned(),
        other => panic!("{name}: expected a secret value, got {other:?}"),
    }
}

pub(crate) fn file_of<'m>(m: &'m Materialization, name: &str) -> (&'m str, String) {
    let id = match m.env_var(name) {
        Some(EnvValue::FilePath(id) | EnvValue::FileDir(id)) => id,
        Some(EnvValue::FileArg { file, .. }) => file,
        other => panic!("{name}: expected a file reference, got {other:?}"),
    };
    let file = m.file(id).unwrap_or_else(|| panic!("{name}: no file {id}"));
    (&file.file_name, file.contents.expose_secret().to_owned())
}

pub(crate) fn names(m: &Materialization) -> Vec<&str> {
    m.env.iter().map(|v| v.name.as_str()).collect()
}

pub(crate) fn secret_values(m: &Materialization) -> BTreeSet<String> {
    m.secret_values()
        .iter()
        .map(|s| s.expose_secret().to_owned())
        .collect()
}
