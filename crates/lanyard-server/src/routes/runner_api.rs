//! `/runner/...`: the endpoints a runner calls with its runner token, and nothing else
//! accepts that token. A runner claims jobs, receives the credentials of the job it claimed
//! (only while it runs), reports output and heartbeats, and reports the end.

use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use lanyard_api::{
    ClaimedJob, ErrorBody, FinishJob, IdentityCheckReport, JobCredentials, JobReport,
    JobReportReply, ReleasedCredential, WireAssumeRole, WireEnvValue, WireEnvVar, WireExchange,
    WireFile, WireSecret,
};
use lanyard_core::{Claimant, Lanyard, ReleasedConnection, ReportedCheck, RunnerIdentity};
use lanyard_providers::EnvValue;
use lanyard_store::{JobOutcome, OutputChunk};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::{ApiJson, ApiPath, ApiQuery};
use crate::error::{ApiError, ApiResult};

pub(crate) fn now_millis() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// The authenticated runner, from `Authorization: Bearer lyr_...`.
pub(crate) struct RunnerCaller(pub RunnerIdentity);

impl FromRequestParts<Lanyard> for RunnerCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Lanyard) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "missing runner token: send `Authorization: Bearer lyr_...` from the runner's \
                     credentials file",
                )
            })?;
        Ok(Self(app.authenticate_runner(token).await?))
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ClaimQuery {
    /// Wait up to this many seconds for a job (default 0, at most 60).
    wait: Option<u64>,
    /// The AWS identity (caller ARN) the runner's credential chain found, if any.
    aws_identity: Option<String>,
    /// How the runner isolates jobs (`sandbox: …`, `unsandboxed: …`, `unavailable: …`).
    isolation: Option<String>,
}

/// Takes the oldest job queued for this runner; 204 when there is none within `wait` (with
/// `x-lanyard-recheck-identities: 1` when the runner should check its own identities now).
#[utoipa::path(operation_id = "runner_claim", post, path = "/runner/claim", tag = "runner",
    params(ClaimQuery),
    responses((status = 200, body = ClaimedJob), (status = 204), (status = 401, body = ErrorBody)))]
pub(crate) async fn claim(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiQuery(query): ApiQuery<ClaimQuery>,
) -> ApiResult<Response> {
    let deadline = Instant::now() + Duration::from_secs(query.wait.unwrap_or(0).min(60));
    if let Some(identity) = &query.aws_identity {
        app.runner_reports_aws_identity(&runner, identity).await?;
    }
    if let Some(isolation) = &query.isolation {
        app.runner_reports_isolation(&runner, isolation).await?;
    }
    let mut last_touch = Instant::now();
    let claimant = Claimant::Runner(runner.clone());
    if app.runner_takes_identity_recheck(&runner).await? {
        return Ok(recheck_identities());
    }
    loop {
        if last_touch.elapsed() >= Duration::from_secs(2) {
            // A waiting runner is connected: keep it online for runner-mode jobs.
            app.runner_alive(&runner).await?;
            last_touch = Instant::now();
            if app.runner_takes_identity_recheck(&runner).await? {
                return Ok(recheck_identities());
            }
        }
        if let Some(job) = app.claim_job(&claimant).await? {
            tracing::info!(job.id = %job.id, "job claimed by a runner");
            let job = super::jobs::job(job);
            return Ok(Json(ClaimedJob { job }).into_response());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        app.wait_for_queued_job(left.min(Duration::from_secs(1)))
            .await;
    }
}

/// The header of a claim's answer asking the runner to check its own identities now (someone
/// is testing one of its runner-mode connections). A runner that does not know it sees no job.
pub(crate) const RECHECK_IDENTITIES: &str = "x-lanyard-recheck-identities";

fn recheck_identities() -> Response {
    (StatusCode::NO_CONTENT, [(RECHECK_IDENTITIES, "1")]).into_response()
}

/// What the runner found when it checked its own identities (runner mode), replacing its last
/// report; its runner-mode connections' checks show it.
#[utoipa::path(operation_id = "runner_identity_checks", put, path = "/runner/identity-checks", tag = "runner",
    request_body = IdentityCheckReport,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(crate) async fn identity_checks(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiJson(body): ApiJson<IdentityCheckReport>,
) -> ApiResult<StatusCode> {
    let checks = body
        .checks
        .into_iter()
        .map(|c| ReportedCheck {
            provider: c.provider,
            verdict: c.verdict,
            identity: c.identity,
            message: c.message,
        })
        .collect();
    app.runner_reports_identity_checks(&runner, checks).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The credentials of a job this runner claimed and is running; refused otherwise.
#[utoipa::path(operation_id = "runner_job_credentials", post, path = "/runner/jobs/{id}/credentials", tag = "runner",
    params(("id" = String, Path)),
    responses((status = 200, body = JobCredentials), (status = 403, body = ErrorBody)))]
pub(crate) async fn credentials(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobCredentials>> {
    let org_id = runner.org_id.clone();
    let released = app
        .release_job_credentials(&Claimant::Runner(runner), &org_id, &id)
        .await?;
    Ok(Json(JobCredentials {
        connections: released.into_iter().map(to_wire).collect(),
    }))
}

/// Output (already redacted by the runner) and a heartbeat; the reply says whether to stop.
#[utoipa::path(operation_id = "runner_job_report", post, path = "/runner/jobs/{id}/report", tag = "runner",
    params(("id" = String, Path)), request_body = JobReport,
    responses((status = 200, body = JobReportReply), (status = 400, body = ErrorBody)))]
pub(crate) async fn report(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<JobReport>,
) -> ApiResult<Json<JobReportReply>> {
    let at = lanyard_domain::Timestamp(now_millis());
    let chunks = body
        .chunks
        .into_iter()
        .map(|c| {
            let data = base64::engine::general_purpose::STANDARD
                .decode(&c.data)
                .map_err(|e| ApiError::invalid(format!("chunk {} is not base64: {e}", c.seq)))?;
            Ok(OutputChunk {
                seq: c.seq,
                stream: c.stream,
                data,
                at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let org_id = runner.org_id.clone();
    let control = app
        .report_job(&Claimant::Runner(runner), &org_id, &id, &chunks)
        .await?;
    Ok(Json(JobReportReply {
        cancel: control.cancel,
    }))
}

/// The job's end.
#[utoipa::path(operation_id = "runner_job_finish", post, path = "/runner/jobs/{id}/finish", tag = "runner",
    params(("id" = String, Path)), request_body = FinishJob,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn finish(
    State(app): State<Lanyard>,
    RunnerCaller(runner): RunnerCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FinishJob>,
) -> ApiResult<StatusCode> {
    let status = match body.status.as_str() {
        "succeeded" => "succeeded",
        "failed" => "failed",
        "canceled" => "canceled",
        other => {
            return Err(ApiError::invalid(format!(
                "status `{other}` is not one of succeeded, failed, canceled"
            )))
        }
    };
    let org_id = runner.org_id.clone();
    app.finish_job(
        &Claimant::Runner(runner),
        &org_id,
        &id,
        JobOutcome {
            status,
            exit_code: body.exit_code,
            error: body.error,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn wire(secret: &SecretString) -> WireSecret {
    WireSecret::new(SecretString::from(secret.expose_secret().to_owned()))
}

/// The one place released credentials are put on the wire: the runner that claimed the job.
fn to_wire(released: ReleasedConnection) -> ReleasedCredential {
    let m = &released.materialization;
    ReleasedCredential {
        connection: released.connection.connection.to_string(),
        provider: released.connection.provider.clone(),
        git_only: released.connection.git_only,
        auth_mode: released.auth_mode.slug().to_owned(),
        session_tags: released
            .session_tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        env: m
            .env
            .iter()
            .map(|v| WireEnvVar {
                name: v.name.clone(),
                value: match &v.value {
                    EnvValue::Plain(value) => WireEnvValue::Plain {
                        value: value.clone(),
                    },
                    EnvValue::Secret(value) => WireEnvValue::Secret { value: wire(value) },
                    EnvValue::FilePath(file) => WireEnvValue::FilePath { file: file.clone() },
                    EnvValue::FileDir(file) => WireEnvValue::FileDir { file: file.clone() },
                    EnvValue::FileArg { prefix, file } => WireEnvValue::FileArg {
                        prefix: prefix.clone(),
                        file: file.clone(),
                    },
                },
            })
            .collect(),
        files: m
            .files
            .iter()
            .map(|f| WireFile {
                id: f.id.clone(),
                file_name: f.file_name.clone(),
                contents: wire(&f.contents),
            })
            .collect(),
        assume_role: m.assume_role.as_ref().map(|r| WireAssumeRole {
            role_arn: r.role_arn.clone(),
            external_id: r.external_id.as_ref().map(wire),
        }),
        masks: m.secret_values().into_iter().map(wire).collect(),
        structured: m.structured().to_vec(),
        exchange: m.exchange.as_ref().map(|e| WireExchange {
            role_arn: e.role_arn.clone(),
            duration_secs: e.duration_secs,
        }),
        path_templates: m.path_templates.clone(),
    }
}
