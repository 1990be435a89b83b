//! Everything that would make an apply fail halfway, found before anything is applied: names,
//! references between documents and to the server, secret values, runners without a place
//! for their credentials.

use std::collections::BTreeSet;

use lanyard_domain::{suggest::did_you_mean, Slug};

use crate::document::{Document, Field, Kind, Scope, Spec};
use crate::state::State;

use super::diff::connection_provider;
use super::Options;

/// Every problem with applying `documents` to `state`; empty when there is none.
pub(super) fn check(documents: &[Document], state: &State, options: Options) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for doc in documents {
        if !seen.insert(doc.key()) {
            problems.push(format!("{} is in the files twice; keep one", doc.key()));
        }
    }
    let known = Known::new(documents, state, options.prune);
    let defaults = documents
        .iter()
        .filter(|d| matches!(&d.spec, Spec::Runner(r) if r.default))
        .count();
    if defaults > 1 {
        problems.push(format!(
            "{defaults} runners say `default: true`; only one runner can be the default"
        ));
    }
    for doc in documents {
        let at = doc.key();
        let name = doc.metadata.name.as_str();
        let mut problem = |text: String| problems.push(format!("{at}: {text}"));
        if !matches!(doc.kind, Kind::Default | Kind::Token) {
            if let Err(e) = Slug::parse(name) {
                problem(format!("`{name}` is not a valid name ({e})"));
            }
        }
        match &doc.spec {
            Spec::Environment(_) | Spec::Variable(_) | Spec::Token(_) => {}
            Spec::Runner(_) => {
                if !options.can_register_runners && !state.runners.iter().any(|r| r.name == name) {
                    problem(format!(
                        "runner `{name}` is not registered here; its credentials are shown once, \
                         so pass --runner-credentials-dir DIR to register it and write them there, \
                         or register it with `lanyard runner register {name}`"
                    ));
                }
            }
            Spec::Connection(spec) => connection(doc, spec, state, &known, &mut problem),
            Spec::Authorization(spec) => {
                known.require(Kind::Connection, name, &mut problem);
                if spec.scope == Scope::Organization && !spec.environments.is_empty() {
                    problem("`scope: organization` covers every environment; remove `environments` or use `scope: environment`".to_owned());
                }
                for env in &spec.environments {
                    known.require(Kind::Environment, env, &mut problem);
                }
            }
            Spec::Default(spec) => {
                if state.provider(name).is_none() {
                    problem(unknown_provider(name, state));
                }
                if known.require(Kind::Connection, &spec.connection, &mut problem) {
                    let provider = connection_provider(&spec.connection, documents, state);
                    if provider != name {
                        problem(format!(
                            "connection `{}` is a {provider} connection, not {name}",
                            spec.connection
                        ));
                    }
                }
                if let Some(env) = &spec.environment {
                    known.require(Kind::Environment, env, &mut problem);
                }
            }
        }
    }
    problems
}

fn connection(
    doc: &Document,
    spec: &crate::document::ConnectionSpec,
    state: &State,
    known: &Known,
    problem: &mut impl FnMut(String),
) {
    let name = doc.metadata.name.as_str();
    if let Some(existing) = state.connection(name) {
        if existing.provider != spec.provider {
            problem(format!(
                "connection `{name}` is a {} connection; a manifest cannot change its provider \
                 to {} (delete it first, or use another name)",
                existing.provider, spec.provider
            ));
        }
    }
    let Some(provider) = state.provider(&spec.provider) else {
        problem(unknown_provider(&spec.provider, state));
        return;
    };
    for (field, value) in &spec.fields {
        let Some(known_field) = provider.fields.iter().find(|f| &f.name == field) else {
            problem(format!(
                "{} has no field `{field}`;{} see `lanyard provider show {}`",
                spec.provider,
                did_you_mean(field, provider.fields.iter().map(|f| f.name.as_str())),
                spec.provider
            ));
            continue;
        };
        let secret = known_field.secret && !known_field.public_in.contains(&spec.auth_mode);
        match value {
            Field::Value(_) if secret => problem(format!(
                "field `{field}` is secret, so a manifest may only reference it: write \
                 `{field}: {{secret: NAME}}` and set the value with `lanyard secret set NAME --stdin`"
            )),
            Field::Secret { secret } if !state.secrets.iter().any(|s| s == secret) => {
                problem(format!(
                    "secret `{secret}` does not exist here; set it first with `lanyard secret set \
                     {secret} --stdin` (manifests never carry secret values)"
                ))
            }
            Field::Variable { variable } => {
                known.require(Kind::Variable, variable, problem);
            }
            _ => {}
        }
    }
}

fn unknown_provider(id: &str, state: &State) -> String {
    format!(
        "unknown provider `{id}`;{} see `lanyard provider list`",
        did_you_mean(id, state.providers.iter().map(|p| p.id.as_str()))
    )
}

/// The names each kind will have once applied: the files', plus the server's unless pruned.
struct Known {
    names: Vec<(Kind, String)>,
}

impl Known {
    fn new(documents: &[Document], state: &State, prune: bool) -> Self {
        let mut names: Vec<(Kind, String)> = documents
            .iter()
            .map(|d| (d.kind, d.metadata.name.clone()))
            .collect();
        if !prune {
            names.extend(
                state
                    .environments
                    .iter()
                    .map(|e| (Kind::Environment, e.clone())),
            );
            names.extend(
                state
                    .variables
                    .iter()
                    .map(|v| (Kind::Variable, v.name.clone())),
            );
            names.extend(
                state
                    .connections
                    .iter()
                    .map(|c| (Kind::Connection, c.name.clone())),
            );
        }
        Self { names }
    }

    /// Whether `name` of `kind` will exist; if not, says so with the likeliest meant name.
    fn require(&self, kind: Kind, name: &str, problem: &mut impl FnMut(String)) -> bool {
        if self.names.iter().any(|(k, n)| *k == kind && n == name) {
            return true;
        }
        let same_kind = self
            .names
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str());
        problem(format!(
            "{} `{name}` is neither in the files nor on the server;{} add a {} document for it",
            kind.cli_name(),
            did_you_mean(name, same_kind),
            kind.as_str()
        ));
        false
    }
}
