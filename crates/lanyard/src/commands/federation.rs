//! `lanyard connection trust NAME`: what a cloud must be told to trust an oidc connection.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::Output;
use crate::context::Context;
use crate::output;

pub(crate) async fn trust(
    ctx: &Context,
    name: &str,
    capabilities: &[String],
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let trust = ctx.client.oidc_trust(&ctx.org, name, capabilities).await?;
    if ctx.output != Output::Table {
        return output::print(ctx.output, &trust, |_| comfy_table::Table::new());
    }
    eprintln!("Issuer:   {}", trust.issuer);
    eprintln!("Audience: {}", trust.audience);
    for subject in &trust.subjects {
        eprintln!("Subject:  {subject}");
    }
    if let Some(template) = &trust.template {
        let text = serde_json::to_string_pretty(template)?;
        match out {
            Some(path) => {
                std::fs::write(path, text + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "Wrote the CloudFormation template to {}: create the stack (aws \
                     cloudformation deploy --template-file {} --stack-name lanyard-{name} \
                     --capabilities CAPABILITY_NAMED_IAM), then `lanyard connection update \
                     {name} --field iam_role_arn=ARN` with its RoleArn output.",
                    path.display(),
                    path.display()
                );
            }
            None => println!("{text}"),
        }
    }
    if let Some(commands) = &trust.commands {
        print!("{commands}");
    }
    Ok(())
}
