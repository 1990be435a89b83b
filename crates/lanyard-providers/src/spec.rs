//! The static shape of a provider: its kinds, its fields, and the rules that tie fields together.
//!
//! Everything here is `'static` data built with `const fn`s, so the catalog is a declarative
//! table that costs nothing at start-up and cannot be mutated at run time.

use crate::format::Format;
use crate::mode::{AuthMode, Category};

/// One provider a connection can be made to (`aws`, `container-registry`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSpec {
    /// The id used on the command line and in the API.
    pub id: &'static str,
    /// What the console shows on the provider's card.
    pub display_name: &'static str,
    /// The console category the card sits in.
    pub category: Category,
    /// One sentence for the card and for `--help`.
    pub description: &'static str,
    /// The auth modes a connection to this provider may use.
    pub auth_modes: &'static [AuthMode],
    /// Sub-types (e.g. registry flavours); empty when the provider has none.
    pub kinds: &'static [KindSpec],
    /// Every field any kind or mode of this provider can take.
    pub fields: &'static [FieldSpec],
    /// Cross-field rules that a per-field requirement cannot express.
    pub rules: &'static [Rule],
}

/// A sub-type of a provider, chosen with `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// The id used with `--kind`.
    pub id: &'static str,
    /// What the console shows.
    pub display_name: &'static str,
}

/// One field of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The name used with `--field NAME=VALUE` and in manifests.
    pub name: &'static str,
    /// A short human label for the wizard.
    pub label: &'static str,
    /// What the field is and where to find it; shown in wizards and in every error about it.
    pub help: &'static str,
    /// Whether the value is a credential: it is stored as a secret and only ever injected as a
    /// secret.
    pub secret: bool,
    /// When the field must be given.
    pub requirement: Requirement,
    /// The shape a literal value must have.
    pub format: Format,
    /// The kinds this field belongs to; `None` means every kind.
    pub kinds: Option<&'static [&'static str]>,
    /// The auth modes this field is used in; `None` means every mode the provider allows.
    /// Credentials are typically inline-only: a runner-mode connection stores none.
    pub modes: Option<&'static [AuthMode]>,
    /// Whether the value usually spans lines (key files, kubeconfigs), so wizards offer a file.
    pub multiline: bool,
    /// Modes in which a `secret` field is only an identifier (an Azure client id next to a
    /// client secret is a credential's half; with a federated token it names an app and no more).
    pub public_in: Option<&'static [AuthMode]>,
}

/// When a field must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// In every mode the field is used in.
    Always,
    /// Only in these modes; optional in the others it is used in.
    InModes(&'static [AuthMode]),
    /// Never on its own (a [`Rule`] may still require it together with others).
    Optional,
}

/// A constraint between several fields of one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// These fields are given all together or not at all (e.g. an access key id and its
    /// secret).
    Together(&'static [&'static str]),
    /// In these modes exactly one of the alternatives must be given in full, and fields of the
    /// other alternatives must be absent (e.g. a Cloudflare API token, or a global API key and
    /// its email).
    OneOf {
        /// The modes the rule applies in.
        modes: &'static [AuthMode],
        /// Each alternative is a set of fields that are given together.
        alternatives: &'static [&'static [&'static str]],
    },
    /// `field` only makes sense when `needs` is also given (checked in the modes `needs` is
    /// used in).
    Requires {
        /// The dependent field.
        field: &'static str,
        /// The field it depends on.
        needs: &'static str,
    },
    /// These URL fields may be plain `http://` to another machine only when `opt_in` is
    /// `true`: the credentials would cross the network in the clear. Loopback is always fine.
    CleartextNeeds {
        /// The URL fields.
        urls: &'static [&'static str],
        /// The boolean field that accepts the risk.
        opt_in: &'static str,
    },
}

impl ProviderSpec {
    /// Whether a connection to this provider may use `mode`.
    pub fn allows(&self, mode: AuthMode) -> bool {
        self.auth_modes.contains(&mode)
    }

    /// The field called `name`, in any kind or mode.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The kind called `id`.
    pub fn kind(&self, id: &str) -> Option<&KindSpec> {
        self.kinds.iter().find(|k| k.id == id)
    }

    /// Whether a connection to this provider must name a kind.
    pub fn has_kinds(&self) -> bool {
        !self.kinds.is_empty()
    }

    /// The fields that apply to a connection of `kind` in `mode`, in catalog order.
    pub fn fields_for<'a>(
        &'a self,
        kind: Option<&'a str>,
        mode: AuthMode,
    ) -> impl Iterator<Item = &'a FieldSpec> + 'a {
        self.fields.iter().filter(move |f| f.applies(kind, mode))
    }

    /// The fields that must be given for a connection of `kind` in `mode`.
    ///
    /// Fields that are only required through a [`Rule::OneOf`] are not listed: the rule says
    /// which alternatives there are.
    pub fn required_fields<'a>(
        &'a self,
        kind: Option<&'a str>,
        mode: AuthMode,
    ) -> impl Iterator<Item = &'a FieldSpec> + 'a {
        self.fields_for(kind, mode)
            .filter(move |f| f.is_required(mode))
    }
}

impl FieldSpec {
    /// A plain, optional, unchecked field that applies everywhere; refine it with the builder
    /// methods below.
    pub const fn new(name: &'static str, label: &'static str, help: &'static str) -> Self {
        FieldSpec {
            name,
            label,
            help,
            secret: false,
            requirement: Requirement::Optional,
            format: Format::Any,
            kinds: None,
            modes: None,
            multiline: false,
            public_in: None,
        }
    }

    /// Marks the field as a credential.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// A secret field that is a plain identifier in `modes`.
    pub const fn public_in(mut self, modes: &'static [AuthMode]) -> Self {
        self.public_in = Some(modes);
        self
    }

    /// Whether the value is a credential in `mode`: stored sealed and injected as a secret.
    pub fn secret_in(&self, mode: AuthMode) -> bool {
        self.secret && !self.public_in.is_some_and(|modes| modes.contains(&mode))
    }

    /// Requires the field in every mode it is used in.
    pub const fn required(mut self) -> Self {
        self.requirement = Requirement::Always;
        self
    }

    /// Requires the field only in `modes`.
    pub const fn required_in(mut self, modes: &'static [AuthMode]) -> Self {
        self.requirement = Requirement::InModes(modes);
        self
    }

    /// Checks literal values against `format`.
    pub const fn checked(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Restricts the field to some kinds of the provider.
    pub const fn for_kinds(mut self, kinds: &'static [&'static str]) -> Self {
        self.kinds = Some(kinds);
        self
    }

    /// Restricts the field to some auth modes.
    pub const fn only_in(mut self, modes: &'static [AuthMode]) -> Self {
        self.modes = Some(modes);
        self
    }

    /// Marks the value as usually spanning several lines.
    pub const fn multiline(mut self) -> Self {
        self.multiline = true;
        self
    }

    /// Whether the field belongs to `kind` (a field without a kind list belongs to all).
    pub fn applies_to_kind(&self, kind: Option<&str>) -> bool {
        match self.kinds {
            None => true,
            Some(kinds) => kind.is_some_and(|k| kinds.contains(&k)),
        }
    }

    /// Whether the field is used in `mode`.
    pub fn applies_in(&self, mode: AuthMode) -> bool {
        self.modes.is_none_or(|modes| modes.contains(&mode))
    }

    /// Whether the field is used by a connection of `kind` in `mode`.
    pub fn applies(&self, kind: Option<&str>, mode: AuthMode) -> bool {
        self.applies_to_kind(kind) && self.applies_in(mode)
    }

    /// Whether the field must be given in `mode` (assuming it applies).
    pub fn is_required(&self, mode: AuthMode) -> bool {
        match self.requirement {
            Requirement::Always => true,
            Requirement::InModes(modes) => modes.contains(&mode),
            Requirement::Optional => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INLINE: &[AuthMode] = &[AuthMode::Inline];

    const SPEC: ProviderSpec = ProviderSpec {
        id: "demo",
        display_name: "Demo",
        category: Category::Infrastructure,
        description: "a provider for tests",
        auth_modes: &[AuthMode::Inline, AuthMode::Runner],
        kinds: &[
            KindSpec {
                id: "a",
                display_name: "A",
            },
            KindSpec {
                id: "b",
                display_name: "B",
            },
        ],
        fields: &[
            FieldSpec::new("shared", "Shared", "in every kind").required(),
            FieldSpec::new("only_a", "Only A", "kind a")
                .for_kinds(&["a"])
                .required(),
            FieldSpec::new("key", "Key", "inline only")
                .secret()
                .required_in(INLINE)
                .only_in(INLINE),
        ],
        rules: &[],
    };

    #[test]
    fn fields_for_filters_by_kind_and_mode() {
        let names = |kind, mode| {
            SPEC.fields_for(kind, mode)
                .map(|f| f.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Some("a"), AuthMode::Inline),
            ["shared", "only_a", "key"]
        );
        assert_eq!(names(Some("b"), AuthMode::Inline), ["shared", "key"]);
        assert_eq!(names(Some("a"), AuthMode::Runner), ["shared", "only_a"]);
        assert_eq!(names(None, AuthMode::Runner), ["shared"]);
    }

    #[test]
    fn requirement_depends_on_mode() {
        let key = SPEC.field("key").unwrap();
        assert!(key.is_required(AuthMode::Inline));
        assert!(!key.is_required(AuthMode::Runner));
        assert!(key.secret);
        assert!(SPEC.allows(AuthMode::Runner));
        assert!(!SPEC.allows(AuthMode::CrossAccountTrust));
    }
}
