//! The runner protocol: a runner token takes jobs and nothing else, and a job's credentials go
//! only to the runner that claimed it, only while it runs. Error responses never carry a
//! secret the server has handled.

use lanyard_api::{
    AuthorizationRequest, CreateJob, FinishJob, IdentityCheck, IdentityCheckReport, JobReport,
    WireEnvValue,
};
use lanyard_testkit::{backend_tests, Backend, TestServer};

backend_tests!(
    credentials_go_only_to_the_claiming_runner_while_it_runs,
    error_responses_never_echo_a_secret,
    a_runner_reports_its_identity_checks_whole_plausible_and_masked,
);

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiRUNNERSECRET";

async fn aws_connection(server: &TestServer) {
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    admin
        .set_secret("acme", "aws-key", SECRET_KEY.to_owned().into())
        .await
        .unwrap();
    let request = serde_json::json!({"name": "aws-main", "provider": "aws", "fields": {
        "account_id": {"value": "123456789012"},
        "access_key_id": {"value": "AKIAIOSFODNN7EXAMPLE"},
        "secret_access_key": {"secret": "aws-key"}}});
    admin
        .create_connection("acme", &serde_json::from_value(request).unwrap())
        .await
        .unwrap();
    admin
        .create_authorization(
            "acme",
            &AuthorizationRequest {
                provider: "aws".into(),
                connection: "aws-main".into(),
                scope: "organization".into(),
                environments: vec![],
            },
        )
        .await
        .unwrap();
}

async fn credentials_go_only_to_the_claiming_runner_while_it_runs(backend: Backend) {
    let server = TestServer::start(backend).await;
    aws_connection(&server).await;
    let admin = server.admin();
    let a = admin.register_runner("acme", "runner-a").await.unwrap();
    let b = admin.register_runner("acme", "runner-b").await.unwrap();
    let a = server.client(a.token.expose_secret());
    let b = server.client(b.token.expose_secret());

    let job = admin
        .create_job(
            "acme",
            &CreateJob {
                environment: "dev".into(),
                providers: vec![],
                connections: vec!["aws-main".into()],
                runner: Some("runner-a".into()),
                git: None,
                timeout_secs: None,
                upload: None,
                artifacts: vec![],
                command: vec!["true".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(job.status, "queued");
    assert_eq!(job.runner.as_deref(), Some("runner-a"));

    // Not B's job: B gets nothing to claim and no credentials.
    assert!(b.claim_job(0).await.unwrap().is_none());
    let refused = b.job_credentials(&job.id).await.unwrap_err();
    assert!(
        refused.to_string().contains("not running on this runner"),
        "{refused}"
    );
    // A may not have them before it claimed the job either.
    assert!(a.job_credentials(&job.id).await.is_err());

    let claimed = a.claim_job(0).await.unwrap().expect("a job for runner-a");
    assert_eq!(claimed.job.id, job.id);
    assert_eq!(claimed.job.status, "running");
    let credentials = a.job_credentials(&job.id).await.unwrap();
    let aws = &credentials.connections[0];
    assert_eq!(aws.connection, "aws-main");
    let secret = aws
        .env
        .iter()
        .find(|v| v.name == "AWS_SECRET_ACCESS_KEY")
        .map(|v| match &v.value {
            WireEnvValue::Secret { value } => value.expose_secret().to_owned(),
            _ => String::new(),
        });
    assert_eq!(secret.as_deref(), Some(SECRET_KEY));
    assert!(aws.masks.iter().any(|m| m.expose_secret() == SECRET_KEY));

    let reply = a
        .report_job(&job.id, &JobReport { chunks: vec![] })
        .await
        .unwrap();
    assert!(!reply.cancel);
    a.finish_job(
        &job.id,
        &FinishJob {
            status: "succeeded".into(),
            exit_code: Some(0),
            error: None,
        },
    )
    .await
    .unwrap();
    // Ended: no more credentials, and a late report is told to stop.
    assert!(a.job_credentials(&job.id).await.is_err());
    let late = a
        .report_job(&job.id, &JobReport { chunks: vec![] })
        .await
        .unwrap();
    assert!(late.cancel);
    assert_eq!(
        admin.get_job("acme", &job.id).await.unwrap().exit_code,
        Some(0)
    );

    // The runner token opens nothing else.
    let err = a.list_environments("acme").await.unwrap_err();
    assert!(err.to_string().contains("not valid"), "{err}");
    // The release is on record, with the runner and the secret version.
    let usage = admin
        .connection_usage("acme", "aws-main", None)
        .await
        .unwrap();
    assert_eq!(usage.releases.len(), 1);
    assert_eq!(usage.releases[0].runner.as_deref(), Some("runner-a"));
    assert!(
        usage.releases[0]
            .secrets
            .iter()
            .any(|s| s.secret == "aws-key" && s.version == 1),
        "{usage:?}"
    );
    // Deleting the runner revokes its token.
    admin.delete_runner("acme", "runner-a").await.unwrap();
    assert!(a.claim_job(0).await.is_err());
}

async fn error_responses_never_echo_a_secret(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let planted = "Planted-Secret-Value-For-Errors-0193";
    admin
        .set_secret("acme", "db-password", planted.to_owned().into())
        .await
        .unwrap();
    // Names echo in validation errors; this one is the secret's value.
    let err = admin.create_environment("acme", planted).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("invalid environment name"), "{message}");
    assert!(
        !message.contains(planted),
        "the error echoed a secret: {message}"
    );
    assert!(message.contains("[REDACTED]"), "{message}");
}

/// What a runner says of its own identities is data from outside: a report that is not
/// plausible is refused whole, saying why, and keeps the last good one; a secret the server
/// knows never comes back out of a message.
async fn a_runner_reports_its_identity_checks_whole_plausible_and_masked(backend: Backend) {
    let server = TestServer::start(backend).await;
    aws_connection(&server).await;
    let admin = server.admin();
    let registered = admin.register_runner("acme", "edge").await.unwrap();
    let runner = server.client(registered.token.expose_secret());
    let check = |provider: &str, verdict: &str, message: &str| IdentityCheck {
        provider: provider.to_owned(),
        verdict: verdict.to_owned(),
        identity: None,
        message: message.to_owned(),
        checked_at: None,
    };
    let report = |checks: Vec<IdentityCheck>| IdentityCheckReport { checks };
    runner
        .report_identity_checks(&report(vec![
            check("azure", "ok", &format!("granted; echoed {SECRET_KEY}")),
            check("kubernetes", "failed", "not inside a Kubernetes cluster"),
        ]))
        .await
        .unwrap();

    let refusals = [
        (
            vec![check("github", "ok", "")],
            "not a provider with a runner mode",
        ),
        (
            vec![check("nope", "ok", "")],
            "not a provider with a runner mode",
        ),
        (
            vec![check("azure", "fine", "")],
            "the verdict for azure must be one of",
        ),
        (
            vec![check("azure", "ok", ""), check("azure", "failed", "")],
            "azure is reported twice",
        ),
        (
            (0..17).map(|_| check("gcp", "ok", "")).collect(),
            "at most 16 identity checks",
        ),
    ];
    for (checks, says) in refusals {
        let refused = runner
            .report_identity_checks(&report(checks))
            .await
            .unwrap_err();
        assert!(refused.to_string().contains(says), "{says}: {refused}");
    }
    // A user token may not report for a runner.
    assert!(admin.report_identity_checks(&report(vec![])).await.is_err());

    let runners = admin.list_runners("acme").await.unwrap();
    let checks = &runners
        .iter()
        .find(|r| r.name == "edge")
        .unwrap()
        .identity_checks;
    let verdicts: Vec<(&str, &str)> = checks
        .iter()
        .map(|c| (c.provider.as_str(), c.verdict.as_str()))
        .collect();
    assert_eq!(verdicts, [("azure", "ok"), ("kubernetes", "failed")]);
    assert!(checks.iter().all(|c| c.checked_at.is_some()), "{checks:?}");
    assert!(!checks[0].message.contains(SECRET_KEY), "{checks:?}");
    assert!(checks[0].message.contains("granted; echoed"), "{checks:?}");
}
