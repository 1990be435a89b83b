//! `lanyard get connection NAME` and `lanyard apply -f FILE`: connections as documents.
//!
//! A manifest carries secrets only as references (`{secret: NAME}`); `apply` refuses a value for
//! a secret field so that a file in git can never hold one. Applying is idempotent: it computes
//! the difference to what the server has and prints it.

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{anyhow, bail, Context as _};
use lanyard_api::{
    Connection, ConnectionManifest, CreateConnection, FieldInput, FieldView, ManifestField,
    UpdateConnection, WireSecret, MANIFEST_API_VERSION,
};
use secrecy::SecretString;
use serde::Deserialize;

use crate::cli::Output;
use crate::context::Context;

pub(crate) async fn get_connection(ctx: &Context, name: &str) -> anyhow::Result<()> {
    let connection = ctx.client.get_connection(&ctx.org, name).await?;
    let manifest = ConnectionManifest::from(&connection);
    let text = match ctx.output {
        Output::Json => serde_json::to_string_pretty(&manifest)? + "\n",
        // A manifest is a document: YAML unless JSON is asked for.
        Output::Yaml | Output::Table => serde_yaml::to_string(&manifest)?,
    };
    print!("{text}");
    Ok(())
}

pub(crate) async fn apply(ctx: &Context, file: &str, verify: bool) -> anyhow::Result<()> {
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the manifest from stdin")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?
    };
    let mut manifests = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(&text).enumerate() {
        let manifest = ConnectionManifest::deserialize(document).with_context(|| {
            format!(
                "{file}: document {} is not a connection manifest",
                index + 1
            )
        })?;
        if manifest.api_version != MANIFEST_API_VERSION || manifest.kind != "Connection" {
            bail!(
                "{file}: document {} has apiVersion `{}` and kind `{}`; expected `{MANIFEST_API_VERSION}` and `Connection`",
                index + 1,
                manifest.api_version,
                manifest.kind
            );
        }
        manifests.push(manifest);
    }
    // Check every document before changing anything, so a bad file changes nothing.
    for manifest in &manifests {
        refuse_secret_values(ctx, manifest).await?;
    }
    for manifest in manifests {
        let name = manifest.metadata.name.clone();
        if apply_one(ctx, manifest).await? && verify {
            report_check(ctx, &name).await;
        }
    }
    Ok(())
}

async fn refuse_secret_values(ctx: &Context, manifest: &ConnectionManifest) -> anyhow::Result<()> {
    let provider = ctx.client.get_provider(&manifest.spec.provider).await?;
    for (field, value) in &manifest.spec.fields {
        let mode = &manifest.spec.auth_mode;
        let secret = provider
            .fields
            .iter()
            .any(|f| &f.name == field && f.secret && !f.public_in.contains(mode));
        if secret && matches!(value, ManifestField::Value(_)) {
            bail!(
                "connection `{}`: field `{field}` is secret, so a manifest may only reference it: \
                 write `{field}: {{secret: NAME}}` and set the value with `lanyard secret set NAME --stdin`",
                manifest.metadata.name
            );
        }
    }
    Ok(())
}

fn input(field: &ManifestField) -> FieldInput {
    match field {
        ManifestField::Value(v) => {
            FieldInput::Value(WireSecret::new(SecretString::from(v.clone())))
        }
        ManifestField::Secret { secret } => FieldInput::Secret(secret.clone()),
        ManifestField::Variable { variable } => FieldInput::Variable(variable.clone()),
    }
}

fn same(view: &FieldView, field: &ManifestField) -> bool {
    match (view, field) {
        (FieldView::Value(a), ManifestField::Value(b)) => a == b,
        (FieldView::Secret { name, .. }, ManifestField::Secret { secret }) => name == secret,
        (FieldView::Variable { name, .. }, ManifestField::Variable { variable }) => {
            name == variable
        }
        _ => false,
    }
}

fn shown(field: &ManifestField) -> String {
    match field {
        ManifestField::Value(v) => format!("{v:?}"),
        ManifestField::Secret { secret } => format!("secret:{secret}"),
        ManifestField::Variable { variable } => format!("var:{variable}"),
    }
}

/// One line under the connection's: what its provider says of it now. A failing check is said,
/// not fatal: the connection is applied.
async fn report_check(ctx: &Context, name: &str) {
    match ctx.client.test_connection(&ctx.org, name).await {
        Ok(result) if result.ok => {
            println!("  check: {}", result.message.unwrap_or(result.verdict));
        }
        Ok(result) => eprintln!(
            "  check failed ({}): {}",
            result.verdict.replace('_', " "),
            result.message.unwrap_or_default()
        ),
        Err(e) => eprintln!("  not checked: {e}"),
    }
}

/// Creates or changes one connection; whether anything changed.
async fn apply_one(ctx: &Context, manifest: ConnectionManifest) -> anyhow::Result<bool> {
    let name = manifest.metadata.name.clone();
    let spec = manifest.spec;
    let existing = match ctx.client.get_connection(&ctx.org, &name).await {
        Ok(existing) => Some(existing),
        Err(e) if e.status() == Some(404) => None,
        Err(e) => return Err(e.into()),
    };
    let Some(existing) = existing else {
        let fields = spec
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), input(v)))
            .collect();
        let request = CreateConnection {
            name: name.clone(),
            provider: spec.provider.clone(),
            kind: spec.kind.clone(),
            auth_mode: Some(spec.auth_mode.clone()),
            fields,
        };
        ctx.client.create_connection(&ctx.org, &request).await?;
        println!("connection/{name} created");
        for (field, value) in &spec.fields {
            println!("  + {field}: {}", shown(value));
        }
        return Ok(true);
    };
    let changes = diff(&existing, &spec)?;
    if changes.lines.is_empty() {
        println!("connection/{name} unchanged");
        return Ok(false);
    }
    ctx.client
        .update_connection(&ctx.org, &name, &changes.request)
        .await?;
    println!("connection/{name} configured");
    for line in changes.lines {
        println!("  {line}");
    }
    Ok(true)
}

struct Changes {
    request: UpdateConnection,
    lines: Vec<String>,
}

fn diff(
    existing: &Connection,
    spec: &lanyard_api::ConnectionManifestSpec,
) -> anyhow::Result<Changes> {
    if existing.provider != spec.provider {
        return Err(anyhow!(
            "connection `{}` is a {} connection; a manifest cannot change its provider to {} \
             (delete it first, or use another name)",
            existing.name,
            existing.provider,
            spec.provider
        ));
    }
    let mut lines = Vec::new();
    let mut request = UpdateConnection::default();
    if existing.auth_mode != spec.auth_mode {
        lines.push(format!(
            "~ authMode: {} -> {}",
            existing.auth_mode, spec.auth_mode
        ));
        request.auth_mode = Some(spec.auth_mode.clone());
    }
    if existing.kind != spec.kind {
        lines.push(format!("~ kind: {:?} -> {:?}", existing.kind, spec.kind));
        request.kind = spec.kind.clone();
    }
    let mut set = BTreeMap::new();
    for (field, value) in &spec.fields {
        match existing.fields.get(field) {
            Some(current) if same(current, value) => {}
            Some(_) => {
                lines.push(format!("~ {field}: {}", shown(value)));
                set.insert(field.clone(), input(value));
            }
            None => {
                lines.push(format!("+ {field}: {}", shown(value)));
                set.insert(field.clone(), input(value));
            }
        }
    }
    for field in existing
        .fields
        .keys()
        .filter(|f| !spec.fields.contains_key(*f))
    {
        lines.push(format!("- {field}"));
        request.remove.push(field.clone());
    }
    request.fields = set;
    Ok(Changes { request, lines })
}
