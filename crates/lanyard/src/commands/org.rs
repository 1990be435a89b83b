//! `lanyard org`: organizations.

use lanyard_api::UploadLimits;
use secrecy::SecretString;

use crate::cli::OrgCommand;
use crate::context::Context;
use crate::output;
use crate::profile::{self, Profile, Profiles, StoredToken};

pub(crate) async fn run(ctx: &Context, command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::Create { name, save_profile } => {
            let created = ctx.client.create_organization(&name).await?;
            if let Some(profile_name) = save_profile {
                let path = profile::path()?;
                let mut profiles = Profiles::load(&path)?;
                let token =
                    SecretString::from(created.admin_token.secret.expose_secret().to_owned());
                profiles.upsert_current(
                    &profile_name,
                    Profile {
                        server: ctx.client.server().trim_end_matches('/').to_owned(),
                        org: created.organization.name.clone(),
                        token: StoredToken(token),
                    },
                );
                profiles.save(&path)?;
                eprintln!("Saved profile `{profile_name}` and made it current.");
            }
            output::print(ctx.output, &created, |c| {
                output::table(
                    &["ORGANIZATION", "ADMIN TOKEN (shown once: store it now)"],
                    [vec![
                        c.organization.name.clone(),
                        c.admin_token.secret.expose_secret().to_owned(),
                    ]],
                )
            })
        }
        OrgCommand::List => {
            let orgs = ctx.client.list_organizations().await?;
            output::print(ctx.output, &orgs, |orgs| {
                output::table(
                    &["NAME", "CREATED"],
                    orgs.iter()
                        .map(|o| vec![o.name.clone(), o.created_at.clone()]),
                )
            })
        }
        OrgCommand::Get { name } => {
            let org = ctx
                .client
                .get_organization(name.as_deref().unwrap_or(&ctx.org))
                .await?;
            output::print(ctx.output, &org, |o| {
                let uploads = o.upload_limits.as_ref().map_or_else(String::new, |l| {
                    format!(
                        "{} in {} files",
                        lanyard_bundle::human_bytes(l.max_bytes.unwrap_or(0)),
                        l.max_files.unwrap_or(0)
                    )
                });
                output::table(
                    &["NAME", "CREATED", "JOB TIMEOUT", "UPLOADS"],
                    [vec![
                        o.name.clone(),
                        o.created_at.clone(),
                        o.job_timeout_secs
                            .map_or_else(|| "runner default".to_owned(), |s| format!("{s}s")),
                        uploads,
                    ]],
                )
            })
        }
        OrgCommand::CheckInterval { interval, default } => {
            let seconds = if default {
                None
            } else {
                interval.map(|d| d.as_secs())
            };
            ctx.client.set_check_interval(&ctx.org, seconds).await?;
            let line = match seconds {
                Some(s) => format!("Connections of {} are now checked every {s}s", ctx.org),
                None => format!("Connections of {} are now checked daily", ctx.org),
            };
            output::confirm(
                ctx.output,
                &serde_json::json!({ "seconds": seconds }),
                &line,
            )
        }
        OrgCommand::JobTimeout { duration, clear } => {
            let seconds = if clear {
                None
            } else {
                duration.map(|d| d.as_secs())
            };
            let org = ctx.client.set_job_timeout(&ctx.org, seconds).await?;
            let line = match org.job_timeout_secs {
                Some(s) => format!(
                    "Jobs of {} now stop after {s}s unless they set --timeout",
                    org.name
                ),
                None => format!(
                    "Jobs of {} now use their runner's default timeout",
                    org.name
                ),
            };
            output::confirm(ctx.output, &org, &line)
        }
        OrgCommand::UploadLimits {
            max_mib,
            max_files,
            default,
        } => {
            let current = ctx.client.get_organization(&ctx.org).await?.upload_limits;
            let limits = if default {
                UploadLimits {
                    max_bytes: None,
                    max_files: None,
                }
            } else {
                // A limit not given stays as it is.
                let current = current.unwrap_or(UploadLimits {
                    max_bytes: None,
                    max_files: None,
                });
                UploadLimits {
                    max_bytes: max_mib
                        .map(|m| m.saturating_mul(1024 * 1024))
                        .or(current.max_bytes),
                    max_files: max_files.or(current.max_files),
                }
            };
            let org = ctx.client.set_upload_limits(&ctx.org, &limits).await?;
            let now = org.upload_limits.clone().unwrap_or(limits);
            let line = format!(
                "Directories uploaded for jobs of {} may now hold {} in {} files",
                org.name,
                lanyard_bundle::human_bytes(now.max_bytes.unwrap_or(0)),
                now.max_files.unwrap_or(0)
            );
            output::confirm(ctx.output, &org, &line)
        }
        OrgCommand::Delete { name, yes } => {
            let goes = super::impact::of_organization(ctx, &name).await?;
            super::impact::confirm(&format!("organization `{name}`"), &goes, yes)?;
            ctx.client.delete_organization(&name).await?;
            output::confirm(
                ctx.output,
                &serde_json::json!({ "deleted": name }),
                &format!("Deleted organization {name}"),
            )
        }
    }
}
