//! Property: any set of documents written as YAML (or JSON) and read back is the same set, and
//! writing it again gives the same bytes, so exports diff cleanly in git.

use std::collections::BTreeMap;

use lanyard_manifest::{
    parse, to_yaml, AuthorizationSpec, ConnectionSpec, DefaultSpec, Document, EnvironmentSpec,
    Field, Kind, RunnerSpec, Scope, Spec, TokenSpec, VariableSpec,
};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,12}"
}

/// Values that YAML could mistake for other types if written carelessly.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,30}",
        Just("true".to_owned()),
        Just("0123".to_owned()),
        Just("123456789012".to_owned()),
        Just("null".to_owned()),
        Just("- x: y".to_owned()),
        Just("line one\nline two\n".to_owned()),
    ]
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        value().prop_map(Field::Value),
        name().prop_map(|secret| Field::Secret { secret }),
        name().prop_map(|variable| Field::Variable { variable }),
    ]
}

fn document() -> impl Strategy<Value = Document> {
    let spec = prop_oneof![
        Just(Spec::Environment(EnvironmentSpec {})),
        value().prop_map(|value| Spec::Variable(VariableSpec { value })),
        any::<bool>().prop_map(|default| Spec::Runner(RunnerSpec { default })),
        (
            name(),
            proptest::option::of(name()),
            prop::collection::btree_map(name(), field(), 0..4)
        )
            .prop_map(|(provider, kind, fields)| Spec::Connection(ConnectionSpec {
                provider,
                kind,
                auth_mode: "inline".to_owned(),
                fields: fields.into_iter().collect::<BTreeMap<_, _>>(),
            })),
        prop::collection::vec(name(), 0..3).prop_map(|environments| Spec::Authorization(
            AuthorizationSpec {
                scope: if environments.is_empty() {
                    Scope::Organization
                } else {
                    Scope::Environment
                },
                environments,
            }
        )),
        (proptest::option::of(name()), name()).prop_map(|(environment, connection)| Spec::Default(
            DefaultSpec {
                environment,
                connection
            }
        )),
        (prop::collection::vec(name(), 0..2), value()).prop_map(|(environments, description)| {
            Spec::Token(TokenSpec {
                role: "deployer".to_owned(),
                environments,
                description,
            })
        }),
    ];
    (name(), spec).prop_map(|(name, spec)| {
        let kind = match &spec {
            Spec::Environment(_) => Kind::Environment,
            Spec::Variable(_) => Kind::Variable,
            Spec::Runner(_) => Kind::Runner,
            Spec::Connection(_) => Kind::Connection,
            Spec::Authorization(_) => Kind::Authorization,
            Spec::Default(_) => Kind::Default,
            Spec::Token(_) => Kind::Token,
        };
        Document::new(kind, name, spec)
    })
}

proptest! {
    #[test]
    fn yaml_and_json_round_trip_byte_stable(docs in prop::collection::vec(document(), 1..6)) {
        let yaml = to_yaml(&docs).unwrap();
        let back = parse("org.yaml", &yaml).unwrap();
        prop_assert_eq!(&back, &docs);
        prop_assert_eq!(to_yaml(&back).unwrap(), yaml);
        let json = serde_json::to_string_pretty(&docs).unwrap();
        prop_assert_eq!(parse("org.json", &json).unwrap(), docs);
    }
}
