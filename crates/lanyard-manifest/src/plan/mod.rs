//! From files to API calls: what `apply` would create, change, delete or leave alone, in an
//! order where every reference exists before it is used and goes after what uses it.
//!
//! Planning is pure (documents and a [`State`] in, [`Plan`] out) and checks everything first:
//! a plan with any problem is refused whole, so a bad file changes nothing.

mod check;
mod diff;

use std::collections::BTreeMap;

use crate::document::{AuthorizationSpec, ConnectionSpec, Document, Field, Key, KINDS};
use crate::state::State;

/// What planning is told besides the documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Delete objects of the organization that no document names (tokens excepted).
    pub prune: bool,
    /// Missing runners may be registered (the caller has somewhere to put their credentials).
    pub can_register_runners: bool,
}

/// What happens to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
    /// Described by a document but not something apply does (a token that is not here).
    Skipped,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "created",
            Self::Update => "configured",
            Self::Delete => "deleted",
            Self::Unchanged => "unchanged",
            Self::Skipped => "skipped",
        }
    }

    /// Whether applying it changes anything.
    pub fn changes(self) -> bool {
        matches!(self, Self::Create | Self::Update | Self::Delete)
    }
}

/// One object's step: what happens, the lines that say how, and the call that does it.
#[derive(Debug, Clone)]
pub struct Step {
    pub key: Key,
    pub action: Action,
    /// `+ field: value`, `~ scope: …`, `- field`; never a secret value.
    pub changes: Vec<String>,
    pub op: Op,
}

/// The API call a step makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Nothing,
    CreateEnvironment,
    DeleteEnvironment,
    SetVariable(String),
    DeleteVariable,
    RegisterRunner {
        default: bool,
    },
    /// Make this runner the default (`true`) or send jobs back to the built-in one (`false`).
    SetDefaultRunner(bool),
    DeleteRunner,
    CreateConnection(ConnectionSpec),
    UpdateConnection(ConnectionChange),
    DeleteConnection,
    /// Create (`create`) or replace the authorization of a connection of `provider`.
    PutAuthorization {
        create: bool,
        provider: String,
        spec: AuthorizationSpec,
    },
    DeleteAuthorization {
        provider: String,
    },
    SetDefault {
        connection: String,
    },
    UnsetDefault,
}

/// A connection's fields to set and remove, and a new kind or auth mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionChange {
    pub kind: Option<String>,
    pub auth_mode: Option<String>,
    pub set: BTreeMap<String, Field>,
    pub remove: Vec<String>,
}

/// Every step, in the order to take them.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    /// Whether applying changes anything.
    pub fn changes_anything(&self) -> bool {
        self.steps.iter().any(|s| s.action.changes())
    }
}

/// Why the documents cannot be applied: every problem found, each with its fix.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct Refused {
    pub problems: Vec<String>,
}

/// Plans `documents` against `state`.
pub fn plan(documents: &[Document], state: &State, options: Options) -> Result<Plan, Refused> {
    let problems = check::check(documents, state, options);
    if !problems.is_empty() {
        return Err(Refused { problems });
    }
    // Creations and changes in dependency order (within a kind, as the files have them) …
    let mut steps: Vec<Step> = Vec::new();
    for kind in KINDS {
        for doc in documents.iter().filter(|d| d.kind == kind) {
            steps.push(diff::step(doc, documents, state));
        }
    }
    // … then deletions, dependents first.
    if options.prune {
        let wanted: Vec<Key> = documents.iter().map(Document::key).collect();
        for kind in KINDS.into_iter().rev() {
            steps.extend(
                diff::existing_keys(state, kind)
                    .into_iter()
                    .filter(|(key, _)| !wanted.contains(key))
                    .map(|(key, op)| Step {
                        key,
                        action: Action::Delete,
                        changes: Vec::new(),
                        op,
                    }),
            );
        }
    }
    Ok(Plan { steps })
}

#[cfg(test)]
mod tests;
