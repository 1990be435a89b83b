//! One document against what the organization has: the step that makes them agree.

use crate::document::{Document, Field, Key, Kind, Scope, Spec};
use crate::state::{field_of, State};

use super::{Action, ConnectionChange, Op, Step};

/// The step for one (already checked) document.
pub(super) fn step(doc: &Document, documents: &[Document], state: &State) -> Step {
    let key = doc.key();
    let name = doc.metadata.name.as_str();
    let (action, changes, op) = match &doc.spec {
        Spec::Environment(_) => {
            if state.environments.iter().any(|e| e == name) {
                unchanged()
            } else {
                (Action::Create, Vec::new(), Op::CreateEnvironment)
            }
        }
        Spec::Variable(spec) => match state.variables.iter().find(|v| v.name == name) {
            Some(v) if v.value == spec.value => unchanged(),
            found => (
                if found.is_some() {
                    Action::Update
                } else {
                    Action::Create
                },
                vec![format!("value: {:?}", spec.value)],
                Op::SetVariable(spec.value.clone()),
            ),
        },
        Spec::Runner(spec) => match state.runners.iter().find(|r| r.name == name) {
            None => (
                Action::Create,
                if spec.default {
                    vec!["+ default".to_owned()]
                } else {
                    Vec::new()
                },
                Op::RegisterRunner {
                    default: spec.default,
                },
            ),
            Some(r) if r.is_default == spec.default => unchanged(),
            // Making another runner the default already takes it from this one.
            Some(_) if !spec.default && runner_default_elsewhere(documents, name) => unchanged(),
            Some(_) => (
                Action::Update,
                vec![format!("~ default: {}", spec.default)],
                Op::SetDefaultRunner(spec.default),
            ),
        },
        Spec::Connection(spec) => match state.connection(name) {
            None => (
                Action::Create,
                spec.fields
                    .iter()
                    .map(|(f, v)| format!("+ {f}: {}", v.shown()))
                    .collect(),
                Op::CreateConnection(spec.clone()),
            ),
            Some(existing) => {
                let (change, lines) = connection_change(existing, spec);
                if lines.is_empty() {
                    unchanged()
                } else {
                    (Action::Update, lines, Op::UpdateConnection(change))
                }
            }
        },
        Spec::Authorization(spec) => {
            let provider = connection_provider(name, documents, state);
            match state.authorizations.iter().find(|a| a.connection == name) {
                Some(a)
                    if a.scope == spec.scope.as_str()
                        && same_set(&a.environments, &spec.environments) =>
                {
                    unchanged()
                }
                found => (
                    if found.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                    vec![match spec.scope {
                        Scope::Organization => "scope: organization (every environment)".to_owned(),
                        Scope::Environment => {
                            format!("scope: environment [{}]", spec.environments.join(", "))
                        }
                    }],
                    Op::PutAuthorization {
                        create: found.is_none(),
                        provider,
                        spec: spec.clone(),
                    },
                ),
            }
        }
        Spec::Default(spec) => {
            let current = state
                .defaults
                .iter()
                .find(|d| d.provider == name && d.environment == spec.environment);
            match current {
                Some(d) if d.connection == spec.connection => unchanged(),
                found => (
                    if found.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                    vec![format!("connection: {}", spec.connection)],
                    Op::SetDefault {
                        connection: spec.connection.clone(),
                    },
                ),
            }
        }
        Spec::Token(_) => {
            if state.tokens.iter().any(|t| t.id == name) {
                unchanged()
            } else {
                (
                    Action::Skipped,
                    vec!["not on this server: tokens are issued with `lanyard token create` (shown once), never by apply".to_owned()],
                    Op::Nothing,
                )
            }
        }
    };
    Step {
        key,
        action,
        changes,
        op,
    }
}

fn unchanged() -> (Action, Vec<String>, Op) {
    (Action::Unchanged, Vec::new(), Op::Nothing)
}

fn runner_default_elsewhere(documents: &[Document], name: &str) -> bool {
    documents
        .iter()
        .any(|d| d.metadata.name != name && matches!(&d.spec, Spec::Runner(r) if r.default))
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a.dedup();
    b.dedup();
    a == b
}

/// The provider of connection `name`, from the files or else the server (checked to exist).
pub(super) fn connection_provider(name: &str, documents: &[Document], state: &State) -> String {
    documents
        .iter()
        .find_map(|d| match &d.spec {
            Spec::Connection(c) if d.metadata.name == name => Some(c.provider.clone()),
            _ => None,
        })
        .or_else(|| state.connection(name).map(|c| c.provider.clone()))
        .unwrap_or_default()
}

fn connection_change(
    existing: &lanyard_api::Connection,
    spec: &crate::document::ConnectionSpec,
) -> (ConnectionChange, Vec<String>) {
    let mut change = ConnectionChange::default();
    let mut lines = Vec::new();
    if existing.auth_mode != spec.auth_mode {
        lines.push(format!(
            "~ authMode: {} -> {}",
            existing.auth_mode, spec.auth_mode
        ));
        change.auth_mode = Some(spec.auth_mode.clone());
    }
    if existing.kind != spec.kind {
        lines.push(format!("~ kind: {:?} -> {:?}", existing.kind, spec.kind));
        change.kind = spec.kind.clone();
    }
    for (field, value) in &spec.fields {
        let current: Option<Field> = existing.fields.get(field).map(field_of);
        match current {
            Some(current) if &current == value => {}
            Some(_) => {
                lines.push(format!("~ {field}: {}", value.shown()));
                change.set.insert(field.clone(), value.clone());
            }
            None => {
                lines.push(format!("+ {field}: {}", value.shown()));
                change.set.insert(field.clone(), value.clone());
            }
        }
    }
    for field in existing
        .fields
        .keys()
        .filter(|f| !spec.fields.contains_key(*f))
    {
        lines.push(format!("- {field}"));
        change.remove.push(field.clone());
    }
    (change, lines)
}

/// Every object of `kind` the organization has, with the call that deletes it (tokens are
/// never pruned: revoking one is `lanyard token revoke`).
pub(super) fn existing_keys(state: &State, kind: Kind) -> Vec<(Key, Op)> {
    let key = |name: &str, environment: Option<String>| Key {
        kind,
        name: name.to_owned(),
        environment,
    };
    match kind {
        Kind::Environment => state
            .environments
            .iter()
            .map(|e| (key(e, None), Op::DeleteEnvironment))
            .collect(),
        Kind::Variable => state
            .variables
            .iter()
            .map(|v| (key(&v.name, None), Op::DeleteVariable))
            .collect(),
        Kind::Runner => state
            .runners
            .iter()
            .map(|r| (key(&r.name, None), Op::DeleteRunner))
            .collect(),
        Kind::Connection => state
            .connections
            .iter()
            .map(|c| (key(&c.name, None), Op::DeleteConnection))
            .collect(),
        Kind::Authorization => state
            .authorizations
            .iter()
            .map(|a| {
                (
                    key(&a.connection, None),
                    Op::DeleteAuthorization {
                        provider: a.provider.clone(),
                    },
                )
            })
            .collect(),
        Kind::Default => state
            .defaults
            .iter()
            .map(|d| (key(&d.provider, d.environment.clone()), Op::UnsetDefault))
            .collect(),
        Kind::Token => Vec::new(),
    }
}
