//! `/orgs/{org}/connections` and `/providers`: connections, and the catalog they follow.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lanyard_api::{
    Connection, CreateConnection, ErrorBody, FieldInput, FieldView, List, Provider, ProviderField,
    ProviderKind, UpdateConnection,
};
use lanyard_core::{ConnectionChanges, ConnectionSpec, FieldValue, Lanyard};
use lanyard_crypto::SecretString;
use lanyard_providers::{ProviderSpec, Requirement};
use lanyard_store::{ConnectionRecord, FieldSource};
use serde::Deserialize;

use crate::auth::{slug, ApiJson, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};

pub(crate) fn connection(record: ConnectionRecord) -> Connection {
    let credentials = lanyard_core::credential_lifetime(&record).to_owned();
    let fields = record
        .fields
        .into_iter()
        .map(|(name, source)| {
            let view = match source {
                FieldSource::Literal(value) => FieldView::Value(value),
                FieldSource::Secret {
                    name,
                    current_version,
                    ..
                } => FieldView::Secret {
                    name: name.to_string(),
                    version: current_version,
                },
                FieldSource::Variable { name, value, .. } => FieldView::Variable {
                    name: name.to_string(),
                    value,
                },
            };
            (name, view)
        })
        .collect();
    Connection {
        name: record.name.to_string(),
        provider: record.provider,
        kind: record.kind,
        auth_mode: record.auth_mode,
        fields,
        pending: record.pending,
        last_verified_at: record
            .last_verified_at
            .map(|t| lanyard_api::rfc3339(t.millis())),
        failing: record
            .verdict
            .as_deref()
            .is_some_and(lanyard_core::is_failing),
        verdict: record.verdict,
        verification_message: record.verification_message,
        credentials,
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
        updated_at: lanyard_api::rfc3339(record.updated_at.millis()),
    }
}

fn field_values(fields: BTreeMap<String, FieldInput>) -> ApiResult<BTreeMap<String, FieldValue>> {
    fields
        .into_iter()
        .map(|(name, input)| {
            let value = match input {
                FieldInput::Value(v) => {
                    FieldValue::Literal(SecretString::from(v.expose_secret().to_owned()))
                }
                FieldInput::Secret(s) => FieldValue::Secret(slug("secret", &s)?),
                FieldInput::Variable(v) => FieldValue::Variable(slug("variable", &v)?),
            };
            Ok((name, value))
        })
        .collect()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListFilter {
    /// Only connections of this provider.
    provider: Option<String>,
}

/// The organization's connections.
#[utoipa::path(operation_id = "list_connections", get, path = "/orgs/{org}/connections",
    tag = "connections", params(("org" = String, Path), ListFilter),
    responses((status = 200, body = List<Connection>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> ApiResult<Json<List<Connection>>> {
    let org = slug("organization", &org)?;
    let records = app
        .list_connections(&caller, &org, filter.provider.as_deref())
        .await?;
    Ok(Json(List {
        items: records.into_iter().map(connection).collect(),
    }))
}

/// Creates a connection; literal secret fields become organization secrets.
#[utoipa::path(operation_id = "create_connection", post, path = "/orgs/{org}/connections",
    tag = "connections", params(("org" = String, Path)), request_body = CreateConnection,
    responses((status = 201, body = Connection), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn create(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<CreateConnection>,
) -> ApiResult<(StatusCode, Json<Connection>)> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &body.name)?;
    let spec = ConnectionSpec {
        provider: body.provider,
        kind: body.kind,
        auth_mode: body.auth_mode,
        fields: field_values(body.fields)?,
    };
    let record = app.create_connection(&caller, &org, name, spec).await?;
    Ok((StatusCode::CREATED, Json(connection(record))))
}

/// One connection.
#[utoipa::path(operation_id = "get_connection", get, path = "/orgs/{org}/connections/{name}",
    tag = "connections", params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Connection), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<Connection>> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &name)?;
    Ok(Json(connection(
        app.get_connection(&caller, &org, &name).await?,
    )))
}

/// Changes a connection; the result is validated as a whole.
#[utoipa::path(operation_id = "update_connection", patch, path = "/orgs/{org}/connections/{name}",
    tag = "connections", params(("org" = String, Path), ("name" = String, Path)),
    request_body = UpdateConnection,
    responses((status = 200, body = Connection), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn update(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<UpdateConnection>,
) -> ApiResult<Json<Connection>> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &name)?;
    let changes = ConnectionChanges {
        kind: body.kind,
        auth_mode: body.auth_mode,
        set: field_values(body.fields)?,
        remove: body.remove,
    };
    Ok(Json(connection(
        app.update_connection(&caller, &org, &name, changes).await?,
    )))
}

/// Deletes a connection (the secrets it created stay, as organization secrets).
#[utoipa::path(operation_id = "delete_connection", delete, path = "/orgs/{org}/connections/{name}",
    tag = "connections", params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &name)?;
    app.delete_connection(&caller, &org, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn provider(spec: &ProviderSpec) -> Provider {
    let modes =
        |modes: &[lanyard_providers::AuthMode]| modes.iter().map(|m| m.slug().to_owned()).collect();
    let fields = spec
        .fields
        .iter()
        .map(|f| ProviderField {
            name: f.name.to_owned(),
            label: f.label.to_owned(),
            help: f.help.to_owned(),
            secret: f.secret,
            public_in: f.public_in.map(modes).unwrap_or_default(),
            required_in: match f.requirement {
                Requirement::Always => modes(spec.auth_modes),
                Requirement::InModes(required) => modes(required),
                Requirement::Optional => Vec::new(),
            },
            kinds: f.kinds.map(|k| k.iter().map(|s| (*s).to_owned()).collect()),
            modes: f.modes.map(modes),
            multiline: f.multiline,
        })
        .collect();
    Provider {
        id: spec.id.to_owned(),
        display_name: spec.display_name.to_owned(),
        category: spec.category.slug().to_owned(),
        category_name: spec.category.display_name().to_owned(),
        description: spec.description.to_owned(),
        auth_modes: modes(spec.auth_modes),
        kinds: spec
            .kinds
            .iter()
            .map(|k| ProviderKind {
                id: k.id.to_owned(),
                display_name: k.display_name.to_owned(),
            })
            .collect(),
        fields,
    }
}

/// The provider catalog.
#[utoipa::path(operation_id = "list_providers", get, path = "/providers", tag = "connections",
    responses((status = 200, body = List<Provider>), (status = 401, body = ErrorBody)))]
pub(crate) async fn providers(Caller(_caller): Caller) -> Json<List<Provider>> {
    Json(List {
        items: lanyard_providers::catalog().iter().map(provider).collect(),
    })
}

/// One provider of the catalog.
#[utoipa::path(operation_id = "get_provider", get, path = "/providers/{id}", tag = "connections",
    params(("id" = String, Path)),
    responses((status = 200, body = Provider), (status = 404, body = ErrorBody)))]
pub(crate) async fn provider_by_id(
    Caller(_caller): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Provider>> {
    let spec = lanyard_core::find_provider(&id).map_err(|e| ApiError::not_found(e.to_string()))?;
    Ok(Json(provider(spec)))
}
