//! `/runners`, `/jobs` (with a live, redacted log) and `/audit`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lanyard_core::{JobSpec, JobStatus};
use lanyard_domain::Slug;
use lanyard_store::{ChainVerdict, JobRecord};
use serde::Deserialize;

use crate::error::{PageError, PageResult};
use crate::extract::{Posted, User};
use crate::render::{when, Layout};
use crate::Console;

struct RunnerRow {
    name: String,
    default: bool,
    last_seen: String,
    isolation: Isolation,
    /// What its own identity checks found, per provider.
    identities: Vec<IdentityBadge>,
}

/// A runner's check of its own identity for one provider: the verdict as a badge, the message
/// as its title.
struct IdentityBadge {
    provider: String,
    verdict: String,
    ok: bool,
    failing: bool,
    message: String,
}

/// How a runner isolates jobs, split for display: the level as a badge, the rest as text.
struct Isolation {
    level: String,
    detail: String,
    safe: bool,
}

impl Isolation {
    fn from_report(report: Option<&str>) -> Self {
        let (level, detail) = report.and_then(|r| r.split_once(": ")).unwrap_or((
            "unknown",
            "not reported yet; the runner reports with its next claim",
        ));
        Self {
            safe: level == "sandbox",
            level: level.to_owned(),
            detail: detail.to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "runners.html")]
struct Runners {
    layout: Layout,
    builtin: bool,
    rows: Vec<RunnerRow>,
    builtin_isolation: Isolation,
}

/// The registered runners.
pub(crate) async fn runners(State(console): State<Console>, user: User) -> PageResult<Response> {
    let p = &user.principal;
    let rows = console
        .app
        .list_runners(p, &p.org)
        .await?
        .into_iter()
        .map(|r| RunnerRow {
            name: r.name.to_string(),
            default: r.is_default,
            last_seen: r
                .last_seen_at
                .map_or_else(|| "never".to_owned(), |t| when(t.millis())),
            isolation: Isolation::from_report(r.isolation.as_deref()),
            identities: r
                .identity_checks
                .into_iter()
                .map(|c| IdentityBadge {
                    ok: c.verdict == "ok",
                    // `failed`: nothing found (no cluster around it, no AWS keys), which matters
                    // only to a connection that uses it; a refusal is a real problem.
                    failing: c.verdict != "failed" && lanyard_core::is_failing(&c.verdict),
                    provider: c.provider,
                    verdict: c.verdict,
                    message: c.message,
                })
                .collect(),
        })
        .collect();
    let page = Runners {
        layout: console.layout(&user, "runners", "Runners"),
        builtin: console.app.builtin_runner_enabled(),
        rows,
        builtin_isolation: Isolation::from_report(console.app.builtin_isolation()),
    };
    Ok(console.page(&page))
}

/// Makes a runner the organization's default.
pub(crate) async fn default_runner(
    State(console): State<Console>,
    Path(name): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let name = Slug::parse(&name).map_err(|_| PageError::not_found("no such runner"))?;
    let p = &user.principal;
    let outcome = console
        .app
        .set_default_runner(p, &p.org, Some(&name))
        .await
        .map(|()| format!("Runner {name} is now the default."));
    Ok(console.done(&user, "/runners", outcome).await)
}

struct JobRow {
    id: String,
    environment: String,
    status: String,
    command: String,
    connections: String,
    created: String,
    runner: String,
}

fn job_row(job: &JobRecord) -> JobRow {
    let spec = JobSpec::from_record(job).ok();
    JobRow {
        id: job.id.clone(),
        environment: job.environment.to_string(),
        status: job.status.clone(),
        command: spec
            .as_ref()
            .map(|s| s.command.join(" "))
            .unwrap_or_default(),
        connections: spec
            .as_ref()
            .map(|s| {
                s.connections
                    .iter()
                    .map(|c| c.connection.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        created: when(job.created_at.millis()),
        runner: job
            .runner
            .as_ref()
            .map_or_else(|| "built-in".to_owned(), ToString::to_string),
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct Jobs {
    layout: Layout,
    rows: Vec<JobRow>,
}

/// The most recent jobs.
pub(crate) async fn list(State(console): State<Console>, user: User) -> PageResult<Response> {
    let p = &user.principal;
    let jobs = console.app.list_jobs(p, &p.org, 100).await?;
    let page = Jobs {
        layout: console.layout(&user, "jobs", "Jobs"),
        rows: jobs.iter().map(job_row).collect(),
    };
    Ok(console.page(&page))
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    layout: Layout,
    job: JobRow,
    error: String,
    exit_code: String,
    finished: bool,
}

fn is_final(status: &str) -> bool {
    JobStatus::parse(status).is_some_and(JobStatus::is_final)
}

/// One job; its log streams in through `/jobs/ID/output`.
pub(crate) async fn job(
    State(console): State<Console>,
    user: User,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let p = &user.principal;
    let job = console.app.get_job(p, &p.org, &id).await?;
    let page = JobPage {
        layout: console.layout(&user, "jobs", format!("Job {id}")),
        job: job_row(&job),
        error: job.error.clone().unwrap_or_default(),
        exit_code: job.exit_code.map(|c| c.to_string()).unwrap_or_default(),
        finished: is_final(&job.status),
    };
    Ok(console.page(&page))
}

#[derive(Deserialize)]
pub(crate) struct After {
    after: Option<i64>,
}

/// A job's output after sequence number `after`, already redacted when stored and masked again
/// here with every secret this process has handled.
pub(crate) async fn output(
    State(console): State<Console>,
    user: User,
    Path(id): Path<String>,
    Query(after): Query<After>,
) -> PageResult<Response> {
    let p = &user.principal;
    // Sequence numbers start at 0, so "everything" is after -1.
    let after = after.after.unwrap_or(-1);
    let (job, chunks) = console.app.job_output(p, &p.org, &id, after).await?;
    let redactor = console.app.secret_registry().redactor();
    let mut text = String::new();
    for chunk in &chunks {
        text.push_str(&String::from_utf8_lossy(&redactor.redact(&chunk.data)));
    }
    let next = chunks.last().map_or(after, |c| c.seq);
    // A final job whose read was not cut at the page size has nothing more to say.
    let done = is_final(&job.status) && chunks.len() < 500;
    Ok(Json(serde_json::json!({
        "status": job.status,
        "next": next,
        "text": text,
        "done": done,
    }))
    .into_response())
}

/// Cancels a job.
pub(crate) async fn cancel(
    State(console): State<Console>,
    Path(id): Path<String>,
    Posted { user, .. }: Posted,
) -> PageResult<Response> {
    let p = &user.principal;
    let outcome = console
        .app
        .cancel_job(p, &p.org, &id)
        .await
        .map(|job| format!("Job {} is {}.", job.id, job.status));
    Ok(console.done(&user, &format!("/jobs/{id}"), outcome).await)
}

struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    source: String,
    action: String,
    target: String,
    details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct Audit {
    layout: Layout,
    rows: Vec<EventRow>,
    verdict: Option<(bool, String)>,
    connection: String,
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    verify: Option<String>,
    /// Only events about this connection.
    connection: Option<String>,
}

/// The audit trail, newest first, and on request a verification of its hash chain.
pub(crate) async fn audit(
    State(console): State<Console>,
    user: User,
    Query(query): Query<AuditQuery>,
) -> PageResult<Response> {
    let p = &user.principal;
    let connection = match query.connection.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(Slug::parse(c).map_err(|e| PageError::invalid(e.to_string()))?),
        None => None,
    };
    let events = console
        .app
        .audit_events(p, &p.org, 0, connection.as_ref(), 200)
        .await?;
    let verdict = match query.verify {
        Some(_) => Some(match console.app.verify_audit(p, &p.org).await? {
            ChainVerdict::Intact { events } => (
                true,
                format!("The chain is intact: {events} events verified."),
            ),
            ChainVerdict::Broken { at_seq, reason } => (
                false,
                format!("The chain is broken at event {at_seq}: {reason}"),
            ),
        }),
        None => None,
    };
    let rows = events
        .into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: when(e.entry.at),
            actor: e.entry.actor,
            source: e.entry.source,
            action: e.entry.action,
            target: e.entry.target,
            details: e.entry.details,
        })
        .collect();
    let page = Audit {
        layout: console.layout(&user, "audit", "Audit trail"),
        rows,
        verdict,
        connection: connection.map(|c| c.to_string()).unwrap_or_default(),
    };
    Ok(console.page(&page))
}
