//! Field values as callers hand them in: unresolved (for validation) or resolved (for
//! materialization).
//!
//! Every literal is held as a [`SecretString`] whether or not the field is secret: the caller
//! often does not know yet which fields are credentials, and treating all of them as secrets
//! costs nothing. `Debug` prints field names only.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;

/// One field of a connection being created or updated.
pub enum FieldInput {
    /// A value typed by the user (or read from `@file`); its shape is checked.
    Literal(SecretString),
    /// A reference to a stored secret or variable (`secret:SLUG`, `var:SLUG`). Its value is
    /// not known here, so only its presence counts.
    Reference,
}

impl FieldInput {
    /// A literal value.
    pub fn literal(value: impl Into<String>) -> Self {
        FieldInput::Literal(SecretString::from(value.into()))
    }
}

impl fmt::Debug for FieldInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldInput::Literal(_) => f.write_str("Literal(<redacted>)"),
            FieldInput::Reference => f.write_str("Reference"),
        }
    }
}

/// The fields given for a connection, by field name.
#[derive(Default)]
pub struct FieldInputs(BTreeMap<String, FieldInput>);

impl FieldInputs {
    /// No fields.
    pub fn new() -> Self {
        FieldInputs::default()
    }

    /// Adds a literal value (builder style).
    pub fn with_literal(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, FieldInput::literal(value));
        self
    }

    /// Adds a reference to a stored secret or variable (builder style).
    pub fn with_reference(mut self, name: impl Into<String>) -> Self {
        self.insert(name, FieldInput::Reference);
        self
    }

    /// Sets a field, returning what it replaced.
    pub fn insert(&mut self, name: impl Into<String>, input: FieldInput) -> Option<FieldInput> {
        self.0.insert(name.into(), input)
    }

    /// Removes a field.
    pub fn remove(&mut self, name: &str) -> Option<FieldInput> {
        self.0.remove(name)
    }

    /// The input for `name`.
    pub fn get(&self, name: &str) -> Option<&FieldInput> {
        self.0.get(name)
    }

    /// Fields in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldInput)> {
        self.0.iter().map(|(name, input)| (name.as_str(), input))
    }

    /// How many fields were given.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no field was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, FieldInput)> for FieldInputs {
    fn from_iter<I: IntoIterator<Item = (String, FieldInput)>>(iter: I) -> Self {
        FieldInputs(iter.into_iter().collect())
    }
}

impl fmt::Debug for FieldInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

/// Field values resolved to plaintext by the caller (secrets decrypted, variables looked up),
/// ready to be materialized.
#[derive(Default)]
pub struct ResolvedFields(BTreeMap<String, SecretString>);

impl ResolvedFields {
    /// No values.
    pub fn new() -> Self {
        ResolvedFields::default()
    }

    /// Adds a value (builder style).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, SecretString::from(value.into()));
        self
    }

    /// Sets a value, returning what it replaced.
    pub fn insert(&mut self, name: impl Into<String>, value: SecretString) -> Option<SecretString> {
        self.0.insert(name.into(), value)
    }

    /// Removes a value.
    pub fn remove(&mut self, name: &str) -> Option<SecretString> {
        self.0.remove(name)
    }

    /// The value for `name`.
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.0.get(name)
    }

    /// Field names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Values in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretString)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }
}

impl FromIterator<(String, SecretString)> for ResolvedFields {
    fn from_iter<I: IntoIterator<Item = (String, SecretString)>>(iter: I) -> Self {
        ResolvedFields(iter.into_iter().collect())
    }
}

impl fmt::Debug for ResolvedFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLANTED: &str = "planted-secret-8c1f";

    #[test]
    fn debug_never_shows_values() {
        let inputs = FieldInputs::new()
            .with_literal("secret_access_key", PLANTED)
            .with_reference("access_key_id");
        let shown = format!("{inputs:?} {:?}", inputs.get("secret_access_key"));
        assert!(!shown.contains(PLANTED), "{shown}");
        assert!(shown.contains("secret_access_key"));

        let resolved = ResolvedFields::new().with("token", PLANTED);
        let shown = format!("{resolved:?} {:#?}", resolved.get("token"));
        assert!(!shown.contains(PLANTED), "{shown}");
    }
}
