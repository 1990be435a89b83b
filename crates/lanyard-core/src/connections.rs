//! Connections: a provider, an auth mode, and fields that are literals or references to
//! organization secrets and variables, checked against the provider catalog.
//!
//! A secret given as a literal is stored as the secret `<connection>-<field>` and referenced, so
//! every secret value lives in exactly one place and rotating it changes every user at once.

use std::collections::BTreeMap;

use lanyard_crypto::{ExposeSecret, SecretBytes, SecretString};
use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::{AuthMode, FieldInputs, ProviderSpec};
use lanyard_store::{
    ConnectionRecord, ConnectionWrite, FieldSource, NewFieldSource, NewSecret, OrgRecord,
};

use crate::{new_id, now, CoreError, CoreResult, Lanyard};

/// Where a field's value comes from, as a caller gives it.
pub enum FieldValue {
    /// A literal; stored as a secret when the provider marks the field secret.
    Literal(SecretString),
    /// A reference to an organization secret.
    Secret(Slug),
    /// A reference to an organization variable.
    Variable(Slug),
}

/// What a connection should look like after a create or an update.
pub struct ConnectionSpec {
    pub provider: String,
    pub kind: Option<String>,
    /// `None` means the provider's first allowed mode (inline for every provider).
    pub auth_mode: Option<String>,
    pub fields: BTreeMap<String, FieldValue>,
}

/// Changes to an existing connection: fields to set, fields to drop, a new kind or mode.
#[derive(Default)]
pub struct ConnectionChanges {
    pub kind: Option<String>,
    pub auth_mode: Option<String>,
    pub set: BTreeMap<String, FieldValue>,
    pub remove: Vec<String>,
}

impl Lanyard {
    /// Creates a connection.
    pub async fn create_connection(
        &self,
        principal: &Principal,
        org: &Slug,
        name: Slug,
        spec: ConnectionSpec,
    ) -> CoreResult<ConnectionRecord> {
        principal.authorize(Action::Manage, "create connections")?;
        let org = self.own_org(principal, org).await?;
        self.write_connection(principal, &org, name, None, spec)
            .await
    }

    /// Applies changes to a connection and re-validates the whole of it.
    pub async fn update_connection(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
        changes: ConnectionChanges,
    ) -> CoreResult<ConnectionRecord> {
        principal.authorize(Action::Manage, "update connections")?;
        let org = self.own_org(principal, org).await?;
        let existing = self.require_connection(&org, name).await?;
        let mut fields: BTreeMap<String, FieldValue> = existing
            .fields
            .iter()
            .map(|(field, source)| {
                let value = match source {
                    FieldSource::Literal(v) => FieldValue::Literal(SecretString::from(v.clone())),
                    FieldSource::Secret { name, .. } => FieldValue::Secret(name.clone()),
                    FieldSource::Variable { name, .. } => FieldValue::Variable(name.clone()),
                };
                (field.clone(), value)
            })
            .collect();
        for field in &changes.remove {
            if fields.remove(field).is_none() {
                return Err(CoreError::Invalid(format!(
                    "connection `{name}` has no field `{field}` to remove"
                )));
            }
        }
        // A pending cross-account connection stays pending until its role ARN arrives.
        let pending = existing.pending && !changes.set.contains_key("iam_role_arn");
        fields.extend(changes.set);
        let spec = ConnectionSpec {
            provider: existing.provider.clone(),
            kind: changes.kind.or_else(|| existing.kind.clone()),
            auth_mode: Some(
                changes
                    .auth_mode
                    .unwrap_or_else(|| existing.auth_mode.clone()),
            ),
            fields,
        };
        self.write_connection_with(principal, &org, name.clone(), Some(existing), spec, pending)
            .await
    }

    /// The organization's connections, optionally of one provider.
    pub async fn list_connections(
        &self,
        principal: &Principal,
        org: &Slug,
        provider: Option<&str>,
    ) -> CoreResult<Vec<ConnectionRecord>> {
        let org = self
            .readable_org(principal, org, provider, "list connections")
            .await?;
        Ok(self.store.list_connections(&org.id, provider).await?)
    }

    /// One connection.
    pub async fn get_connection(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<ConnectionRecord> {
        principal.authorize(Action::Read, "read connections")?;
        let org = self.own_org(principal, org).await?;
        self.require_connection(&org, name).await
    }

    /// Deletes a connection. The secrets it created stay: they are organization secrets, and
    /// `lanyard secret delete` removes them once nothing uses them.
    pub async fn delete_connection(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
    ) -> CoreResult<()> {
        principal.authorize(Action::Manage, "delete connections")?;
        let org = self.own_org(principal, org).await?;
        let existing = self.require_connection(&org, name).await?;
        let audit = self.change_entry(
            principal,
            &org.id,
            "connection.delete",
            format!("connection/{name}"),
            serde_json::json!({ "provider": existing.provider }),
        );
        self.store.delete_connection(&org.id, name, &audit).await?;
        tracing::info!(connection.id = %existing.id, "connection deleted");
        Ok(())
    }

    pub(crate) async fn require_connection(
        &self,
        org: &OrgRecord,
        name: &Slug,
    ) -> CoreResult<ConnectionRecord> {
        if let Some(found) = self.store.find_connection(&org.id, name).await? {
            return Ok(found);
        }
        let known = self.store.list_connections(&org.id, None).await?;
        let hint = lanyard_domain::suggest::did_you_mean(
            name.as_str(),
            known.iter().map(|c| c.name.as_str()),
        );
        Err(CoreError::NotFound(format!(
            "connection `{name}` not found in organization `{}`;{hint} see `lanyard connection list`",
            org.slug
        )))
    }

    /// Validates `spec` against the catalog and saves it, with any secrets it brings, at once.
    async fn write_connection(
        &self,
        principal: &Principal,
        org: &OrgRecord,
        name: Slug,
        existing: Option<ConnectionRecord>,
        spec: ConnectionSpec,
    ) -> CoreResult<ConnectionRecord> {
        self.write_connection_with(principal, org, name, existing, spec, false)
            .await
    }

    /// [`Self::write_connection`]; `pending` saves a cross-account connection that has no role
    /// yet. A cross-account connection saved ready must pass the two-sided trust check first.
    pub(crate) async fn write_connection_with(
        &self,
        principal: &Principal,
        org: &OrgRecord,
        name: Slug,
        existing: Option<ConnectionRecord>,
        spec: ConnectionSpec,
        pending: bool,
    ) -> CoreResult<ConnectionRecord> {
        let provider = find_provider(&spec.provider)?;
        let mode = match &spec.auth_mode {
            Some(mode) => parse_mode(provider, mode)?,
            None => provider
                .auth_modes
                .first()
                .copied()
                .unwrap_or(AuthMode::Inline),
        };
        let mut inputs = FieldInputs::new();
        let mut variables = BTreeMap::new();
        for (field, value) in &spec.fields {
            match value {
                FieldValue::Literal(v) => {
                    // Before any parsing: nothing is built from a value over the limit.
                    crate::secrets::check_secret_size(
                        &format!("field `{field}`"),
                        v.expose_secret().len(),
                    )?;
                    inputs.insert(
                        field.clone(),
                        lanyard_providers::FieldInput::Literal(v.clone()),
                    );
                }
                FieldValue::Secret(secret) => {
                    self.require_secret(&org.id, &org.slug, secret)
                        .await
                        .map_err(|_| {
                            CoreError::Invalid(format!(
                            "field `{field}` references secret `{secret}`, which does not exist; \
                             create it with `lanyard secret set {secret}`"
                        ))
                        })?;
                    inputs.insert(field.clone(), lanyard_providers::FieldInput::Reference);
                }
                FieldValue::Variable(variable) => {
                    let record = self
                        .store
                        .find_variable(&org.id, variable)
                        .await?
                        .ok_or_else(|| {
                            CoreError::Invalid(format!(
                                "field `{field}` references variable `{variable}`, which does not \
                             exist; create it with `lanyard variable set {variable} VALUE`"
                            ))
                        })?;
                    // A variable's value is plain, so its shape is checked like a literal's.
                    inputs.insert(
                        field.clone(),
                        lanyard_providers::FieldInput::Literal(SecretString::from(
                            record.value.clone(),
                        )),
                    );
                    variables.insert(field.clone(), record.id);
                }
            }
        }
        let pending = pending && mode == AuthMode::CrossAccountTrust;
        if pending {
            // Checked as if the role existed: everything else must already be valid.
            inputs.insert(
                "iam_role_arn".to_owned(),
                lanyard_providers::FieldInput::Literal(SecretString::from(
                    "arn:aws:iam::000000000000:role/lanyard-pending".to_owned(),
                )),
            );
        }
        lanyard_providers::validate(provider, spec.kind.as_deref(), mode, &inputs)
            .map_err(|e| CoreError::Invalid(e.to_string()))?;
        let verification = if mode == AuthMode::CrossAccountTrust && !pending {
            Some((now(), self.check_cross_account(org, &name, &spec).await?))
        } else {
            None
        };
        if let Some(FieldValue::Literal(runner)) = spec.fields.get("runner") {
            self.require_named_runner(org, &name, runner.expose_secret())
                .await?;
        }

        let id = existing.as_ref().map_or_else(new_id, |e| e.id.clone());
        let mut write = ConnectionWrite {
            id,
            org_id: org.id.clone(),
            name: name.clone(),
            provider: provider.id.to_owned(),
            kind: spec.kind.clone(),
            auth_mode: mode.slug().to_owned(),
            fields: BTreeMap::new(),
            pending,
            verification,
            at: now(),
            create: existing.is_none(),
            new_secrets: Vec::new(),
            new_versions: Vec::new(),
        };
        for (field, value) in spec.fields {
            let source = match value {
                FieldValue::Literal(v) if is_secret(provider, mode, &field) => {
                    self.stage_literal_secret(principal, org, &name, &field, &v, &mut write)
                        .await?
                }
                FieldValue::Literal(v) => NewFieldSource::Literal(v.expose_secret().to_owned()),
                FieldValue::Secret(secret) => NewFieldSource::Secret(
                    self.require_secret(&org.id, &org.slug, &secret).await?.id,
                ),
                FieldValue::Variable(_) => NewFieldSource::Variable(variables[&field].clone()),
            };
            write.fields.insert(field, source);
        }
        let versions: Vec<serde_json::Value> = write
            .new_secrets
            .iter()
            .map(|(s, v)| serde_json::json!({ "secret": s.name.as_str(), "version": v.version }))
            .chain(
                write
                    .new_versions
                    .iter()
                    .map(|v| serde_json::json!({ "secret_id": v.secret_id, "version": v.version })),
            )
            .collect();
        let audit = self.change_entry(
            principal,
            &org.id,
            if write.create {
                "connection.create"
            } else {
                "connection.update"
            },
            format!("connection/{name}"),
            serde_json::json!({
                "provider": write.provider,
                "kind": write.kind,
                "auth_mode": write.auth_mode,
                "pending": write.pending,
                "verdict": write.verification.as_ref().map(|(_, v)| v),
                "fields": write.fields.keys().collect::<Vec<_>>(),
                "secrets_written": versions,
            }),
        );
        let record = self.store.save_connection(&write, &audit).await?;
        tracing::info!(connection.id = %record.id, provider = %record.provider, "connection saved");
        Ok(record)
    }

    /// A connection's `runner` must name a registered runner: its jobs go there.
    async fn require_named_runner(
        &self,
        org: &OrgRecord,
        connection: &Slug,
        runner: &str,
    ) -> CoreResult<()> {
        let known = match Slug::parse(runner) {
            Ok(slug) => self.store.find_runner(&org.id, &slug).await?.is_some(),
            Err(_) => false,
        };
        if known {
            return Ok(());
        }
        Err(CoreError::Invalid(format!(
            "connection `{connection}` names runner `{runner}`, which is not registered in \
             organization `{}`; register it with `lanyard runner register {runner}` (see \
             `lanyard runner list`)",
            org.slug
        )))
    }

    /// Stores a literal secret field as the secret `<connection>-<field>` (a new secret, or a new
    /// version of it) and returns the reference to it.
    async fn stage_literal_secret(
        &self,
        principal: &Principal,
        org: &OrgRecord,
        connection: &Slug,
        field: &str,
        value: &SecretString,
        write: &mut ConnectionWrite,
    ) -> CoreResult<NewFieldSource> {
        let secret_name = Slug::parse(&format!("{connection}-{}", field.replace('_', "-")))
            .map_err(|e| {
                CoreError::Invalid(format!(
                    "cannot name the secret for field `{field}`: {e}; use a shorter connection name"
                ))
            })?;
        crate::secrets::check_secret_size(
            &format!("field `{field}` of connection `{connection}`"),
            value.expose_secret().len(),
        )?;
        let bytes = SecretBytes::from_str_secret(value);
        match self.store.find_secret(&org.id, &secret_name).await? {
            Some(secret) => {
                let version = self.seal_version(
                    principal,
                    &org.id,
                    &secret.id,
                    secret.current_version + 1,
                    &bytes,
                )?;
                write.new_versions.push(version);
                Ok(NewFieldSource::Secret(secret.id))
            }
            None => {
                let secret = NewSecret {
                    id: new_id(),
                    org_id: org.id.clone(),
                    name: secret_name,
                    created_at: now(),
                };
                let first = self.seal_version(principal, &org.id, &secret.id, 1, &bytes)?;
                let id = secret.id.clone();
                write.new_secrets.push((secret, first));
                Ok(NewFieldSource::Secret(id))
            }
        }
    }
}

/// A provider by id, or an error that lists the ids.
pub fn find_provider(id: &str) -> CoreResult<&'static ProviderSpec> {
    lanyard_providers::find(id).ok_or_else(|| {
        let known: Vec<&str> = lanyard_providers::catalog().iter().map(|p| p.id).collect();
        CoreError::Invalid(format!(
            "unknown provider `{id}`;{} known providers: {}; see `lanyard provider list`",
            lanyard_domain::suggest::did_you_mean(id, known.iter().copied()),
            known.join(", ")
        ))
    })
}

fn parse_mode(provider: &ProviderSpec, mode: &str) -> CoreResult<AuthMode> {
    let allowed = || {
        provider
            .auth_modes
            .iter()
            .map(|m| m.slug())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let parsed: AuthMode = mode.parse().map_err(|_| {
        CoreError::Invalid(format!(
            "unknown auth mode `{mode}`; provider {} allows: {}",
            provider.id,
            allowed()
        ))
    })?;
    if !provider.allows(parsed) {
        return Err(CoreError::Invalid(format!(
            "auth mode {parsed} is not allowed for provider {}; allowed modes: {}",
            provider.id,
            allowed()
        )));
    }
    Ok(parsed)
}

fn is_secret(provider: &ProviderSpec, mode: AuthMode, field: &str) -> bool {
    provider.field(field).is_some_and(|f| f.secret_in(mode))
}
