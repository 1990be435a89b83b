//! Checks a connection's kind, auth mode and fields against its provider's spec.
//!
//! Validation reports every problem at once (all missing fields, all malformed values), so a
//! user fixes a connection in one round instead of one error at a time. Messages name fields
//! and describe shapes; they never contain a field's value.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::ExposeSecret;

use crate::input::{FieldInput, FieldInputs};
use crate::mode::AuthMode;
use crate::spec::{ProviderSpec, Rule};

/// One problem with a connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The kind is not one of the provider's kinds.
    #[error(
        "provider {provider} has no kind {kind}; allowed kinds: {}",
        join(allowed)
    )]
    UnknownKind {
        provider: String,
        kind: String,
        allowed: Vec<String>,
    },
    /// The provider has kinds and none was given.
    #[error(
        "provider {provider} needs a kind (--kind); allowed kinds: {}",
        join(allowed)
    )]
    KindRequired {
        provider: String,
        allowed: Vec<String>,
    },
    /// A kind was given for a provider that has none.
    #[error("provider {provider} has no kinds, but kind {kind} was given")]
    KindNotAllowed { provider: String, kind: String },
    /// The auth mode is not one the provider allows.
    #[error(
        "auth mode {mode} is not allowed for provider {provider}; allowed modes: {}",
        join(allowed)
    )]
    ModeNotAllowed {
        provider: String,
        mode: AuthMode,
        allowed: Vec<String>,
    },
    /// A required field is absent.
    #[error("missing required field {field}: {}", clause(help))]
    MissingField { field: String, help: String },
    /// None of the alternatives of a [`Rule::OneOf`] was given.
    #[error(
        "missing credentials: give {}; {}",
        alternatives_text(alternatives),
        clause(help)
    )]
    MissingAlternative {
        alternatives: Vec<Vec<String>>,
        help: String,
    },
    /// Fields of more than one alternative of a [`Rule::OneOf`] were given.
    #[error(
        "conflicting credentials: give only one of {}",
        alternatives_text(alternatives)
    )]
    ConflictingAlternatives { alternatives: Vec<Vec<String>> },
    /// Some but not all of a group of fields that belong together were given.
    #[error(
        "field {field} is needed together with {}: {}",
        join(given_with),
        clause(help)
    )]
    IncompleteGroup {
        field: String,
        given_with: Vec<String>,
        help: String,
    },
    /// A field whose prerequisite is absent.
    #[error("field {field} needs field {needs} to be given too")]
    MissingPrerequisite { field: String, needs: String },
    /// A plain `http://` URL to another machine without the opt-in.
    #[error(
        "field {field} is a plain http:// URL to another machine, so the credentials would \
         cross the network in the clear: use https://, or set {opt_in}=true if the network \
         between the runner and the server is trusted"
    )]
    Cleartext { field: String, opt_in: String },
    /// A field the provider does not have.
    #[error(
        "unknown field {field} for provider {provider};{} valid fields: {}",
        lanyard_domain::suggest::did_you_mean(field, valid.iter().map(String::as_str)),
        join(valid)
    )]
    UnknownField {
        field: String,
        provider: String,
        valid: Vec<String>,
    },
    /// A field of the provider that does not apply to this kind or mode.
    #[error("field {field} {reason}")]
    NotApplicable { field: String, reason: String },
    /// A literal value of the wrong shape.
    #[error("field {field} is malformed: {message} ({})", clause(help))]
    Malformed {
        field: String,
        message: String,
        help: String,
    },
}

/// Help texts are written as sentences; inside an error message they drop the final period
/// so that messages never end with one.
fn clause(help: &str) -> &str {
    help.trim_end_matches('.')
}

fn join(items: &[String]) -> String {
    items.join(", ")
}

fn alternatives_text(alternatives: &[Vec<String>]) -> String {
    let parts: Vec<String> = alternatives.iter().map(|alt| alt.join(" + ")).collect();
    parts.join(", or ")
}

impl ValidationError {
    /// The field the problem is about, when it is about one field.
    pub fn field(&self) -> Option<&str> {
        match self {
            ValidationError::MissingField { field, .. }
            | ValidationError::IncompleteGroup { field, .. }
            | ValidationError::MissingPrerequisite { field, .. }
            | ValidationError::Cleartext { field, .. }
            | ValidationError::UnknownField { field, .. }
            | ValidationError::NotApplicable { field, .. }
            | ValidationError::Malformed { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The field's help text, for errors about one catalog field.
    pub fn help(&self) -> Option<&str> {
        match self {
            ValidationError::MissingField { help, .. }
            | ValidationError::MissingAlternative { help, .. }
            | ValidationError::IncompleteGroup { help, .. }
            | ValidationError::Malformed { help, .. } => Some(help),
            _ => None,
        }
    }
}

/// Every problem found with a connection; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors {
    provider: String,
    errors: Vec<ValidationError>,
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} connection: ", self.provider)?;
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl ValidationErrors {
    /// The provider the connection is for.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The problems, in a stable order: kind and mode first, then fields as given, then
    /// missing fields in catalog order, then cross-field rules.
    pub fn errors(&self) -> &[ValidationError] {
        &self.errors
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// The names of the required fields that are missing.
    pub fn missing_fields(&self) -> impl Iterator<Item = &str> {
        self.errors.iter().filter_map(|e| match e {
            ValidationError::MissingField { field, .. } => Some(field.as_str()),
            _ => None,
        })
    }

    /// Whether some problem is about `field`.
    pub fn mentions(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field() == Some(field))
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

/// Checks that a connection of `kind` in `mode` with these fields is complete and well formed.
///
/// Unknown fields, and fields that do not apply to the kind or mode (e.g. access keys on a
/// runner-mode connection, which would be stored and never used), are refused.
pub fn validate(
    spec: &ProviderSpec,
    kind: Option<&str>,
    mode: AuthMode,
    fields: &FieldInputs,
) -> Result<(), ValidationErrors> {
    let entries = fields.iter().map(|(name, input)| match input {
        FieldInput::Literal(value) => (name, Some(value.expose_secret())),
        FieldInput::Reference => (name, None),
    });
    check(spec, kind, mode, entries, Strictness::Strict)
}

/// Whether fields outside the kind and mode are an error (when a connection is saved) or are
/// ignored (when resolved values are materialized and extra stored fields are harmless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    Strict,
    IgnoreExtra,
}

/// The shared checker. Each entry is a field name and its literal value (`None` for a
/// reference, which counts as present but cannot be shape-checked).
pub(crate) fn check<'v>(
    spec: &ProviderSpec,
    kind: Option<&str>,
    mode: AuthMode,
    entries: impl Iterator<Item = (&'v str, Option<&'v str>)>,
    strictness: Strictness,
) -> Result<(), ValidationErrors> {
    let mut errors = check_kind_and_mode(spec, kind, mode);
    // Which fields apply depends on kind and mode, so field checks would only add noise.
    if errors.is_empty() {
        let present = check_fields(spec, kind, mode, entries, strictness, &mut errors);
        check_required(spec, kind, mode, &present, &mut errors);
        check_rules(spec, mode, &present, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors {
            provider: spec.id.to_owned(),
            errors,
        })
    }
}

fn check_kind_and_mode(
    spec: &ProviderSpec,
    kind: Option<&str>,
    mode: AuthMode,
) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    let provider = spec.id.to_owned();
    let kinds = || spec.kinds.iter().map(|k| k.id.to_owned()).collect();
    match kind {
        Some(kind) if !spec.has_kinds() => errors.push(ValidationError::KindNotAllowed {
            provider: provider.clone(),
            kind: kind.to_owned(),
        }),
        Some(kind) if spec.kind(kind).is_none() => errors.push(ValidationError::UnknownKind {
            provider: provider.clone(),
            kind: kind.to_owned(),
            allowed: kinds(),
        }),
        None if spec.has_kinds() => errors.push(ValidationError::KindRequired {
            provider: provider.clone(),
            allowed: kinds(),
        }),
        _ => {}
    }
    if !spec.allows(mode) {
        errors.push(ValidationError::ModeNotAllowed {
            provider,
            mode,
            allowed: spec
                .auth_modes
                .iter()
                .map(|m| m.slug().to_owned())
                .collect(),
        });
    }
    errors
}

/// The fields that count as present, with their literal values (`None` for a reference).
type Given<'v> = BTreeMap<&'static str, Option<&'v str>>;

/// Shape-checks the given fields and returns those that count as present.
fn check_fields<'v>(
    spec: &ProviderSpec,
    kind: Option<&str>,
    mode: AuthMode,
    entries: impl Iterator<Item = (&'v str, Option<&'v str>)>,
    strictness: Strictness,
    errors: &mut Vec<ValidationError>,
) -> Given<'v> {
    let strict = strictness == Strictness::Strict;
    let mut present = Given::new();
    for (name, literal) in entries {
        let Some(field) = spec.field(name) else {
            if strict {
                errors.push(ValidationError::UnknownField {
                    field: name.to_owned(),
                    provider: spec.id.to_owned(),
                    valid: spec
                        .fields_for(kind, mode)
                        .map(|f| f.name.to_owned())
                        .collect(),
                });
            }
            continue;
        };
        // An empty literal is how forms and `--field name=` say "not given".
        if literal.is_some_and(|value| value.trim().is_empty()) {
            continue;
        }
        if !field.applies(kind, mode) {
            if strict {
                errors.push(ValidationError::NotApplicable {
                    field: field.name.to_owned(),
                    reason: not_applicable_reason(field, kind, mode),
                });
            }
            continue;
        }
        if let Some(value) = literal {
            if let Err(message) = field.format.check(value) {
                errors.push(ValidationError::Malformed {
                    field: field.name.to_owned(),
                    message,
                    help: field.help.to_owned(),
                });
            }
        }
        present.insert(field.name, literal);
    }
    present
}

fn not_applicable_reason(
    field: &crate::spec::FieldSpec,
    kind: Option<&str>,
    mode: AuthMode,
) -> String {
    if !field.applies_to_kind(kind) {
        let kinds = field.kinds.unwrap_or_default().join(", ");
        match kind {
            Some(kind) => format!("belongs to kind {kinds}, not {kind}"),
            None => format!("belongs to kind {kinds}"),
        }
    } else {
        let modes: Vec<&str> = field
            .modes
            .unwrap_or_default()
            .iter()
            .map(|m| m.slug())
            .collect();
        format!("is not used in {mode} mode (only in: {})", modes.join(", "))
    }
}

fn check_required(
    spec: &ProviderSpec,
    kind: Option<&str>,
    mode: AuthMode,
    present: &Given<'_>,
    errors: &mut Vec<ValidationError>,
) {
    for field in spec.required_fields(kind, mode) {
        if !present.contains_key(field.name) {
            errors.push(ValidationError::MissingField {
                field: field.name.to_owned(),
                help: field.help.to_owned(),
            });
        }
    }
}

fn check_rules(
    spec: &ProviderSpec,
    mode: AuthMode,
    present: &Given<'_>,
    errors: &mut Vec<ValidationError>,
) {
    let help = |name: &str| {
        spec.field(name)
            .map_or_else(String::new, |f| f.help.to_owned())
    };
    let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    for rule in spec.rules {
        match *rule {
            Rule::Together(group) => {
                if group.iter().any(|f| present.contains_key(f)) {
                    for missing in group.iter().filter(|f| !present.contains_key(*f)) {
                        errors.push(ValidationError::IncompleteGroup {
                            field: (*missing).to_owned(),
                            given_with: owned(group).into_iter().filter(|g| g != missing).collect(),
                            help: help(missing),
                        });
                    }
                }
            }
            Rule::OneOf {
                modes,
                alternatives,
            } if modes.contains(&mode) => {
                let touched: Vec<&[&str]> = alternatives
                    .iter()
                    .copied()
                    .filter(|alt| alt.iter().any(|f| present.contains_key(f)))
                    .collect();
                match touched.as_slice() {
                    [] => errors.push(ValidationError::MissingAlternative {
                        alternatives: alternatives.iter().map(|alt| owned(alt)).collect(),
                        help: alternatives
                            .iter()
                            .map(|alt| help(alt[0]))
                            .collect::<Vec<_>>()
                            .join(" / "),
                    }),
                    [alt] => {
                        for missing in alt.iter().filter(|f| !present.contains_key(*f)) {
                            errors.push(ValidationError::IncompleteGroup {
                                field: (*missing).to_owned(),
                                given_with: owned(alt)
                                    .into_iter()
                                    .filter(|g| g != missing)
                                    .collect(),
                                help: help(missing),
                            });
                        }
                    }
                    many => errors.push(ValidationError::ConflictingAlternatives {
                        alternatives: many.iter().map(|alt| owned(alt)).collect(),
                    }),
                }
            }
            Rule::OneOf { .. } => {}
            Rule::CleartextNeeds { urls, opt_in } => {
                let accepted = present.get(opt_in).copied().flatten() == Some("true");
                for url in urls {
                    let value = present.get(url).copied().flatten();
                    if !accepted && value.is_some_and(crate::format::text::is_remote_http) {
                        errors.push(ValidationError::Cleartext {
                            field: (*url).to_owned(),
                            opt_in: opt_in.to_owned(),
                        });
                    }
                }
            }
            Rule::Requires { field, needs } => {
                // Only where `needs` can be given at all: elsewhere `field` stands on its own
                // (an AWS role ARN needs a session duration in inline mode only).
                let applies = spec.field(needs).is_some_and(|f| f.applies_in(mode));
                if applies && present.contains_key(field) && !present.contains_key(needs) {
                    errors.push(ValidationError::MissingPrerequisite {
                        field: field.to_owned(),
                        needs: needs.to_owned(),
                    });
                }
            }
        }
    }
}
