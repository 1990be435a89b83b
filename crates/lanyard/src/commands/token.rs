//! `lanyard token` and `lanyard whoami`.

use lanyard_api::{CreateToken, CreatedToken, RoleName};

use crate::cli::{Output, RoleArg, TokenCommand};
use crate::context::Context;
use crate::output;

pub(crate) async fn run(ctx: &Context, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            role,
            environments,
            description,
        } => {
            let role = match role {
                RoleArg::Admin => RoleName::Admin,
                RoleArg::Deployer => RoleName::Deployer,
                RoleArg::Viewer => RoleName::Viewer,
            };
            let request = CreateToken {
                role,
                environments,
                description,
            };
            let created = ctx.client.create_token(&ctx.org, &request).await?;
            print_new_token(ctx.output, &created)
        }
        TokenCommand::List => {
            let tokens = ctx.client.list_tokens(&ctx.org).await?;
            output::print(ctx.output, &tokens, |tokens| {
                output::table(
                    &["ID", "ROLE", "ENVIRONMENTS", "DESCRIPTION", "CREATED"],
                    tokens.iter().map(|t| {
                        vec![
                            t.id.clone(),
                            role_str(t.role).to_owned(),
                            if t.environments.is_empty() {
                                "all".to_owned()
                            } else {
                                t.environments.join(",")
                            },
                            t.description.clone(),
                            t.created_at.clone(),
                        ]
                    }),
                )
            })
        }
        TokenCommand::Revoke { id } => {
            ctx.client.revoke_token(&ctx.org, &id).await?;
            output::confirm(
                ctx.output,
                &serde_json::json!({ "revoked": id }),
                &format!("Revoked token {id}"),
            )
        }
    }
}

/// Prints a newly issued token, the one time it can be seen.
pub(crate) fn print_new_token(format: Output, created: &CreatedToken) -> anyhow::Result<()> {
    output::print(format, created, |c| {
        output::table(
            &["ID", "ROLE", "TOKEN (shown once: store it now)"],
            [vec![
                c.token.id.clone(),
                role_str(c.token.role).to_owned(),
                c.secret.expose_secret().to_owned(),
            ]],
        )
    })
}

pub(crate) fn role_str(role: RoleName) -> &'static str {
    match role {
        RoleName::Admin => "admin",
        RoleName::Deployer => "deployer",
        RoleName::Viewer => "viewer",
    }
}

pub(crate) async fn whoami(ctx: &Context) -> anyhow::Result<()> {
    let me = ctx.client.whoami().await?;
    output::print(ctx.output, &me, |m| {
        output::table(
            &["ORGANIZATION", "ROLE", "ENVIRONMENTS", "TOKEN ID"],
            [vec![
                m.organization.clone(),
                role_str(m.role).to_owned(),
                if m.environments.is_empty() {
                    "all".to_owned()
                } else {
                    m.environments.join(",")
                },
                m.token_id.clone(),
            ]],
        )
    })
}
