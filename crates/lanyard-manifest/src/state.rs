//! What an organization holds now, as the API lists it: the other side of every plan, and
//! what `lanyard get` exports.

use lanyard_api::{
    Authorization, Connection, DefaultConnection, FieldView, Provider, Runner, Token, Variable,
};

use crate::document::{
    AuthorizationSpec, ConnectionSpec, DefaultSpec, Document, EnvironmentSpec, Field, Kind,
    RunnerSpec, Scope, Spec, TokenSpec, VariableSpec,
};

/// An organization's objects, fetched through the API by the caller.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub environments: Vec<String>,
    pub variables: Vec<Variable>,
    pub runners: Vec<Runner>,
    pub connections: Vec<Connection>,
    pub authorizations: Vec<Authorization>,
    pub defaults: Vec<DefaultConnection>,
    pub tokens: Vec<Token>,
    /// Secret names only: values never leave the server.
    pub secrets: Vec<String>,
    /// The catalog, to tell secret fields from plain ones.
    pub providers: Vec<Provider>,
}

impl State {
    pub fn connection(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// Every object as a document, in apply order: environments, variables, runners,
    /// connections, authorizations, defaults, tokens. No document holds a secret value.
    pub fn export(&self) -> Vec<Document> {
        let mut out: Vec<Document> = Vec::new();
        for env in &self.environments {
            out.push(Document::new(
                Kind::Environment,
                env,
                Spec::Environment(EnvironmentSpec {}),
            ));
        }
        for variable in &self.variables {
            out.push(Document::new(
                Kind::Variable,
                &variable.name,
                Spec::Variable(VariableSpec {
                    value: variable.value.clone(),
                }),
            ));
        }
        for runner in &self.runners {
            out.push(Document::new(
                Kind::Runner,
                &runner.name,
                Spec::Runner(RunnerSpec {
                    default: runner.is_default,
                }),
            ));
        }
        for connection in &self.connections {
            out.push(connection_document(connection));
        }
        for auth in &self.authorizations {
            let scope = if auth.scope == "organization" {
                Scope::Organization
            } else {
                Scope::Environment
            };
            out.push(Document::new(
                Kind::Authorization,
                &auth.connection,
                Spec::Authorization(AuthorizationSpec {
                    scope,
                    environments: auth.environments.clone(),
                }),
            ));
        }
        for default in &self.defaults {
            out.push(Document::new(
                Kind::Default,
                &default.provider,
                Spec::Default(DefaultSpec {
                    environment: default.environment.clone(),
                    connection: default.connection.clone(),
                }),
            ));
        }
        for token in &self.tokens {
            let role = serde_json::to_value(token.role)
                .ok()
                .and_then(|r| r.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.push(Document::new(
                Kind::Token,
                &token.id,
                Spec::Token(TokenSpec {
                    role,
                    environments: token.environments.clone(),
                    description: token.description.clone(),
                }),
            ));
        }
        out
    }
}

/// A connection as a document: plain values as they are, secrets and variables by name.
pub fn connection_document(connection: &Connection) -> Document {
    let fields = connection
        .fields
        .iter()
        .map(|(name, view)| (name.clone(), field_of(view)))
        .collect();
    Document::new(
        Kind::Connection,
        &connection.name,
        Spec::Connection(ConnectionSpec {
            provider: connection.provider.clone(),
            kind: connection.kind.clone(),
            auth_mode: connection.auth_mode.clone(),
            fields,
        }),
    )
}

pub(crate) fn field_of(view: &FieldView) -> Field {
    match view {
        FieldView::Value(value) => Field::Value(value.clone()),
        FieldView::Secret { name, .. } => Field::Secret {
            secret: name.clone(),
        },
        FieldView::Variable { name, .. } => Field::Variable {
            variable: name.clone(),
        },
    }
}
