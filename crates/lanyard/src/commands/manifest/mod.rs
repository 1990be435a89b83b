//! `lanyard get`, `lanyard diff` and `lanyard apply`: an organization as documents.
//!
//! The documents, their checks and the plan live in `lanyard-manifest`; this module reads the
//! files, fetches what the organization has through the client, prints plans and executes
//! them.

mod apply;

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context as _};
use lanyard_domain::suggest::did_you_mean;
use lanyard_manifest::{Document, Kind, Plan, State, KINDS};

use crate::cli::{DiffArgs, ManifestFiles, Output};
use crate::context::Context;

pub(crate) use apply::apply;

/// `lanyard get all|KIND [NAME]`.
pub(crate) async fn get(ctx: &Context, kind: &str, name: Option<&str>) -> anyhow::Result<()> {
    let only = match kind {
        "all" => None,
        other => Some(Kind::parse(other).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown kind `{other}`;{} use all or one of: {}",
                did_you_mean(other, KINDS.iter().map(|k| k.cli_name())),
                KINDS.map(Kind::cli_name).join(", ")
            )
        })?),
    };
    if name.is_some() && only.is_none() {
        bail!("`get all` takes no name; name a kind, e.g. `lanyard get connection NAME`");
    }
    let output = match ctx.requested_output {
        Some(Output::Table) => {
            bail!("manifests are documents: use -o yaml (the default for get) or -o json")
        }
        Some(Output::Json) => Output::Json,
        _ => Output::Yaml,
    };
    let state = fetch_state(ctx).await?;
    let documents: Vec<Document> = state
        .export()
        .into_iter()
        .filter(|d| only.is_none_or(|k| d.kind == k))
        .filter(|d| name.is_none_or(|n| d.metadata.name == n))
        .collect();
    if let (Some(kind), Some(name)) = (only, name) {
        if documents.is_empty() {
            let names: Vec<String> = state
                .export()
                .into_iter()
                .filter(|d| d.kind == kind)
                .map(|d| d.metadata.name)
                .collect();
            bail!(
                "no {} named `{name}` in organization `{}`;{}",
                kind.cli_name(),
                ctx.org,
                did_you_mean(name, names.iter().map(String::as_str))
            );
        }
    }
    print!(
        "{}",
        render(&documents, output, name.is_some() && documents.len() == 1)?
    );
    Ok(())
}

/// YAML documents separated by `---`, or JSON (one object for one named document, else an
/// array).
fn render(documents: &[Document], output: Output, single: bool) -> anyhow::Result<String> {
    Ok(match output {
        Output::Json if single => serde_json::to_string_pretty(&documents[0])? + "\n",
        Output::Json => serde_json::to_string_pretty(documents)? + "\n",
        _ => lanyard_manifest::to_yaml(documents)?,
    })
}

/// `lanyard diff -f …`: the plan, nothing applied; exit status 1 when it changes something.
pub(crate) async fn diff(ctx: &Context, args: DiffArgs) -> anyhow::Result<()> {
    let (plan, _) = plan_files(ctx, &args.files, false).await?;
    print_plan(ctx, &plan, true)?;
    if plan.changes_anything() {
        return Err(crate::Exit(1).into());
    }
    Ok(())
}

/// Reads the files, fetches the organization and plans; refuses the whole set on any problem.
async fn plan_files(
    ctx: &Context,
    files: &ManifestFiles,
    can_register_runners: bool,
) -> anyhow::Result<(Plan, State)> {
    let documents = read_documents(&files.files)?;
    if documents.is_empty() {
        bail!("the files hold no documents");
    }
    let state = fetch_state(ctx).await?;
    let options = lanyard_manifest::Options {
        prune: files.prune,
        can_register_runners,
    };
    let plan = match lanyard_manifest::plan(&documents, &state, options) {
        Ok(plan) => plan,
        Err(refused) => {
            // One problem per line: a file with several mistakes shows them all at once.
            eprintln!(
                "error: nothing was applied; the files have {} problem(s):",
                refused.problems.len()
            );
            for problem in &refused.problems {
                eprintln!("  - {problem}");
            }
            return Err(crate::Exit(1).into());
        }
    };
    Ok((plan, state))
}

/// Every document of every file, directory (sorted, *.yaml/*.yml/*.json) and `-` (stdin).
fn read_documents(paths: &[String]) -> anyhow::Result<Vec<Document>> {
    let mut documents = Vec::new();
    for path in paths {
        if path == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read manifests from stdin")?;
            documents.extend(lanyard_manifest::parse("stdin", &text)?);
            continue;
        }
        let path = Path::new(path);
        let files = if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .with_context(|| format!("cannot read directory {}", path.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                })
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            documents.extend(lanyard_manifest::parse(&file.display().to_string(), &text)?);
        }
    }
    Ok(documents)
}

/// What the organization has, through the API. Token metadata needs an admin: others export
/// without it.
async fn fetch_state(ctx: &Context) -> anyhow::Result<State> {
    let (c, org) = (&ctx.client, ctx.org.as_str());
    let tokens = match c.list_tokens(org).await {
        Ok(tokens) => tokens,
        Err(e) if e.status() == Some(403) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(State {
        environments: c
            .list_environments(org)
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect(),
        variables: c.list_variables(org).await?,
        runners: c.list_runners(org).await?,
        connections: c.list_connections(org, None).await?,
        authorizations: c.list_authorizations(org, None).await?,
        defaults: c.list_defaults(org, None).await?,
        tokens,
        secrets: c
            .list_secrets(org)
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect(),
        providers: c.list_providers().await?,
    })
}

/// Prints a plan: one line per object (`connection/aws created`) and its changes under it, or
/// JSON; `pending` says "would be" for diff.
fn print_plan(ctx: &Context, plan: &Plan, pending: bool) -> anyhow::Result<()> {
    if ctx.output != Output::Table {
        let steps: Vec<serde_json::Value> = plan
            .steps
            .iter()
            .map(|s| {
                serde_json::json!({
                    "object": s.key.to_string(),
                    "action": s.action.as_str(),
                    "changes": s.changes,
                })
            })
            .collect();
        let text = match ctx.output {
            Output::Yaml => serde_norway::to_string(&steps)?,
            _ => serde_json::to_string_pretty(&steps)? + "\n",
        };
        print!("{text}");
        return Ok(());
    }
    for step in &plan.steps {
        let verb = step.action.as_str();
        if pending && step.action.changes() {
            println!("{} would be {verb}", step.key);
        } else {
            println!("{} {verb}", step.key);
        }
        for line in &step.changes {
            println!("  {line}");
        }
    }
    if pending && !plan.changes_anything() {
        println!("No changes: the organization matches the files.");
    }
    Ok(())
}
