//! `/connections`, Mission Control: provider cards by category, and the connected providers.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use lanyard_providers::Category;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::User;
use crate::render::Layout;
use crate::views::{default_text, provider_name, scope_text, verification_text};
use crate::Console;

struct Card {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    modes: Vec<&'static str>,
    connected: usize,
}

struct Group {
    name: &'static str,
    slug: &'static str,
    cards: Vec<Card>,
}

struct Row {
    name: String,
    provider: String,
    auth_mode: String,
    scope: String,
    default: String,
    verified: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "connections.html")]
struct MissionControl {
    layout: Layout,
    connected_tab: bool,
    groups: Vec<Group>,
    rows: Vec<Row>,
    /// Cells of the provider matrix where a default is not authorized: deployments there fail.
    misconfigured: usize,
}

#[derive(Deserialize)]
pub(crate) struct Tab {
    tab: Option<String>,
}

/// The Mission Control page.
pub(crate) async fn mission_control(
    State(console): State<Console>,
    user: User,
    Query(tab): Query<Tab>,
) -> PageResult<Response> {
    let p = &user.principal;
    let connections = console.app.list_connections(p, &p.org, None).await?;
    let authorizations = console.app.list_authorizations(p, &p.org, None).await?;
    let defaults = console.app.list_defaults(p, &p.org, None).await?;
    let misconfigured = console
        .app
        .matrix(p, &p.org, None)
        .await?
        .rows
        .iter()
        .flat_map(|line| &line.cells)
        .filter(|c| **c == lanyard_core::Cell::Misconfigured)
        .count();
    let groups = Category::ALL
        .iter()
        .map(|category| Group {
            name: category.display_name(),
            slug: category.slug(),
            cards: lanyard_providers::catalog()
                .iter()
                .filter(|spec| spec.category == *category)
                .map(|spec| Card {
                    id: spec.id,
                    name: spec.display_name,
                    description: spec.description,
                    modes: spec.auth_modes.iter().map(|m| m.slug()).collect(),
                    connected: connections.iter().filter(|c| c.provider == spec.id).count(),
                })
                .collect(),
        })
        .collect();
    let rows = connections
        .iter()
        .map(|c| Row {
            name: c.name.to_string(),
            provider: provider_name(&c.provider),
            auth_mode: c.auth_mode.clone(),
            scope: scope_text(authorizations.iter().find(|a| a.connection_id == c.id)),
            default: default_text(&defaults, &c.id),
            verified: verification_text(c),
            pending: c.pending,
        })
        .collect();
    let page = MissionControl {
        layout: console.layout(&user, "connections", "Mission Control"),
        connected_tab: tab.tab.as_deref() == Some("connected"),
        groups,
        rows,
        misconfigured,
    };
    Ok(console.page(&page))
}
