//! `/orgs/{org}/jobs`: creating jobs, reading them, following their (redacted) output and
//! canceling them; and `/orgs/{org}/connections/{name}/usage`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use lanyard_api::{
    ConnectionUsage, CreateJob, ErrorBody, GitView, Job, JobConnectionView, JobEvent, List,
    OutputChunk, Release, ReleasedVersion, UploadView,
};
use lanyard_core::{JobRequest, JobSpec, JobStatus, Lanyard};
use lanyard_domain::Principal;
use lanyard_store::JobRecord;
use serde::Deserialize;

use crate::auth::{slug, ApiJson, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};

/// The wire form of a job.
pub(crate) fn job(record: JobRecord) -> Job {
    let spec = JobSpec::from_record(&record).ok();
    let rfc = |t: Option<lanyard_domain::Timestamp>| t.map(|t| lanyard_api::rfc3339(t.millis()));
    Job {
        id: record.id,
        org: record.org.to_string(),
        environment: record.environment.to_string(),
        runner: record.runner.map(|r| r.to_string()),
        status: record.status,
        exit_code: record.exit_code,
        error: record.error,
        command: spec.as_ref().map(|s| s.command.clone()).unwrap_or_default(),
        connections: spec
            .as_ref()
            .map(|s| {
                s.connections
                    .iter()
                    .map(|c| JobConnectionView {
                        provider: c.provider.clone(),
                        connection: c.connection.to_string(),
                        source: c.source.clone(),
                        git_only: c.git_only,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        timeout_secs: spec.as_ref().and_then(|s| s.timeout_secs),
        upload: spec
            .as_ref()
            .and_then(|s| s.upload.as_ref())
            .map(|u| UploadView {
                size: u64::try_from(u.size).unwrap_or(0),
                digest: u.digest.clone(),
                files: u64::try_from(u.files).unwrap_or(0),
                bytes: u64::try_from(u.bytes).unwrap_or(0),
            }),
        artifacts: spec
            .as_ref()
            .map(|s| s.artifacts.clone())
            .unwrap_or_default(),
        git: spec.and_then(|s| s.git).map(|g| GitView {
            url: g.url,
            reference: g.reference,
            connection: g.connection.to_string(),
        }),
        created_by: record.created_by,
        created_at: lanyard_api::rfc3339(record.created_at.millis()),
        started_at: rfc(record.started_at),
        finished_at: rfc(record.finished_at),
        cancel_requested: record.cancel_requested,
    }
}

pub(crate) fn chunk(c: lanyard_store::OutputChunk) -> OutputChunk {
    OutputChunk {
        seq: c.seq,
        stream: c.stream,
        data: base64::engine::general_purpose::STANDARD.encode(&c.data),
    }
}

/// Creates a job: every connection is resolved and authorized first, or nothing is queued.
#[utoipa::path(operation_id = "create_job", post, path = "/orgs/{org}/jobs", tag = "jobs",
    params(("org" = String, Path)), request_body = CreateJob,
    responses((status = 201, body = Job), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn create(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<CreateJob>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let org = slug("organization", &org)?;
    let request = JobRequest {
        environment: slug("environment", &body.environment)?,
        providers: body.providers,
        connections: body
            .connections
            .iter()
            .map(|c| slug("connection", c))
            .collect::<Result<_, _>>()?,
        runner: body
            .runner
            .as_deref()
            .map(|r| slug("runner", r))
            .transpose()?,
        git: body.git.map(|g| (g.url, g.reference)),
        command: body.command,
        timeout: body.timeout_secs.map(std::time::Duration::from_secs),
        upload: body.upload,
        artifacts: body.artifacts,
    };
    let record = app.create_job(&caller, &org, request).await?;
    Ok((StatusCode::CREATED, Json(job(record))))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// At most this many jobs (default 50, newest first).
    limit: Option<i64>,
}

/// The organization's recent jobs, newest first.
#[utoipa::path(operation_id = "list_jobs", get, path = "/orgs/{org}/jobs", tag = "jobs",
    params(("org" = String, Path), ListQuery),
    responses((status = 200, body = List<Job>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<List<Job>>> {
    let org = slug("organization", &org)?;
    let jobs = app
        .list_jobs(&caller, &org, query.limit.unwrap_or(50))
        .await?;
    Ok(Json(List {
        items: jobs.into_iter().map(job).collect(),
    }))
}

/// One job.
#[utoipa::path(operation_id = "get_job", get, path = "/orgs/{org}/jobs/{id}", tag = "jobs",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> ApiResult<Json<Job>> {
    let org = slug("organization", &org)?;
    Ok(Json(job(app.get_job(&caller, &org, &id).await?)))
}

/// Cancels a job: a queued one at once, a running one through its runner.
#[utoipa::path(operation_id = "cancel_job", post, path = "/orgs/{org}/jobs/{id}/cancel", tag = "jobs",
    params(("org" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Job), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn cancel(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> ApiResult<Json<Job>> {
    let org = slug("organization", &org)?;
    Ok(Json(job(app.cancel_job(&caller, &org, &id).await?)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OutputQuery {
    /// Only output after this sequence number (default: all).
    after: Option<i64>,
    /// Keep the response open and stream output until the job ends.
    follow: Option<bool>,
}

/// The job's output (already redacted) as newline-delimited JSON [`JobEvent`]s, ending with
/// the job itself; with `follow=true`, streamed live until the job ends.
#[utoipa::path(operation_id = "job_output", get, path = "/orgs/{org}/jobs/{id}/output", tag = "jobs",
    params(("org" = String, Path), ("id" = String, Path), OutputQuery),
    responses((status = 200, body = JobEvent, content_type = "application/x-ndjson"),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn output(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<OutputQuery>,
) -> ApiResult<Response> {
    let org = slug("organization", &org)?;
    // Fail before streaming if the job is not there or not readable.
    app.get_job(&caller, &org, &id).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(16);
    let follow = query.follow.unwrap_or(false);
    tokio::spawn(stream_output(
        app,
        caller,
        org,
        id,
        query.after.unwrap_or(-1),
        follow,
        tx,
    ));
    let body = Body::from_stream(tokio_stream_of(rx));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<String, std::io::Error>>,
) -> impl futures::Stream<Item = Result<String, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Sends output lines until the job ends (or, without `follow`, until what is stored so far).
async fn stream_output(
    app: Lanyard,
    caller: Principal,
    org: lanyard_domain::Slug,
    id: String,
    mut after: i64,
    follow: bool,
    tx: tokio::sync::mpsc::Sender<Result<String, std::io::Error>>,
) {
    let line = |event: &JobEvent| {
        serde_json::to_string(event)
            .map(|s| s + "\n")
            .unwrap_or_default()
    };
    let mut seen = 0;
    loop {
        let (record, chunks) = match app.job_output(&caller, &org, &id, after).await {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(job.id = %id, error = %e, "job output stream ended early");
                return;
            }
        };
        let ended = JobStatus::parse(&record.status).is_some_and(JobStatus::is_final);
        let more = chunks.len() >= 500;
        for c in chunks {
            after = c.seq;
            if tx
                .send(Ok(line(&JobEvent::Output(chunk(c)))))
                .await
                .is_err()
            {
                return; // The client went away.
            }
        }
        if more {
            continue;
        }
        if ended || !follow {
            let _ = tx
                .send(Ok(line(&JobEvent::End {
                    job: Box::new(job(record)),
                })))
                .await;
            return;
        }
        // Woken at once by changes in this process and, through the database's announcements,
        // in every other; polling is only the fallback for a missed announcement.
        let poll = if app.hears_other_servers() {
            Duration::from_secs(5)
        } else {
            Duration::from_millis(500)
        };
        app.wait_for_job_change(&mut seen, poll).await;
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UsageQuery {
    /// At most this many releases (default 100, newest first).
    limit: Option<i64>,
}

/// Where a connection's credentials were used: every release, by job and environment.
#[utoipa::path(operation_id = "connection_usage", get, path = "/orgs/{org}/connections/{name}/usage", tag = "connections",
    params(("org" = String, Path), ("name" = String, Path), UsageQuery),
    responses((status = 200, body = ConnectionUsage), (status = 404, body = ErrorBody)))]
pub(crate) async fn usage(
    State(app): State<Lanyard>,
    Caller(caller): Caller,
    ApiPath((org, name)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> ApiResult<Json<ConnectionUsage>> {
    let org = slug("organization", &org)?;
    let name = slug("connection", &name)?;
    let report = app
        .connection_usage(&caller, &org, &name, query.limit.unwrap_or(100))
        .await?;
    let mut environments: Vec<String> = report
        .releases
        .iter()
        .map(|r| r.environment.to_string())
        .collect();
    environments.sort();
    environments.dedup();
    let releases = report
        .releases
        .into_iter()
        .map(|r| {
            let secrets: Vec<ReleasedVersion> = serde_json::from_str(&r.secrets)
                .map_err(|e| ApiError::from(lanyard_core::CoreError::Internal(Box::new(e))))?;
            Ok(Release {
                job: r.job_id,
                environment: r.environment.to_string(),
                runner: r.runner.map(|n| n.to_string()),
                secrets,
                released_at: lanyard_api::rfc3339(r.released_at.millis()),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(ConnectionUsage {
        connection: report.connection.to_string(),
        provider: report.provider,
        environments,
        releases,
    }))
}
