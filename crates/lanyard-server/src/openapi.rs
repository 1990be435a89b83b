//! The OpenAPI document, generated from the route and type declarations themselves.

use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Lanyard API", description = "Credential connections for platform teams."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "organizations", description = "Tenants; nothing crosses between them"),
        (name = "environments", description = "Where deployments run"),
        (name = "tokens", description = "API tokens, shown once and stored hashed"),
        (name = "secrets", description = "Write-only, versioned, encrypted values"),
        (name = "variables", description = "Plain organization-level values"),
        (name = "connections", description = "Provider connections and the provider catalog"),
        (name = "access", description = "Authorizations, defaults, resolution and the provider matrix"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "keys", description = "Master-key status and online rotation"),
    )
)]
pub(crate) struct ApiDoc;

/// Every route takes a bearer token.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// The document as pretty JSON, as served at `/api/v1/openapi.json` and committed under `docs/`.
pub fn openapi_json() -> String {
    let (_, doc) = crate::routes::api().split_for_parts();
    let mut text = doc.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
