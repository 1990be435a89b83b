//! End to end in a real headless Chromium: log in, create an AWS inline connection through the
//! wizard, authorize it, set it as default in the matrix and watch the cell turn to default; then
//! a job's live log; and the AWS cross-account wizard's role step (against moto). With
//! `LANYARD_UPDATE_SCREENSHOTS=1` the SQLite run refreshes `docs/screenshots/`.

use std::path::PathBuf;

use lanyard_api::CreateJob;
use lanyard_testkit::moto::{self, Moto};
use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::aws::server_reaching;
use lanyard_testkit::webdriver::Browser;

backend_tests!(
    connect_authorize_and_default_in_a_browser,
    cross_account_role_step_in_a_browser,
);

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
/// Counts the controls without a label and the buttons without a name.
const UNLABELED: &str = "return String(Array.from(document.querySelectorAll(\
    'input:not([type=hidden]), select, textarea')).filter(e => e.labels.length === 0 \
    && !e.getAttribute('aria-label')).length + Array.from(document.querySelectorAll('button'))\
    .filter(b => !b.textContent.trim() && !b.getAttribute('aria-label')).length);";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiBROWSERtest0";

/// Where a screenshot goes: `docs/screenshots/` when `LANYARD_UPDATE_SCREENSHOTS` is set (to
/// refresh the README's pictures), else the build's temp dir, so an ordinary test run leaves the
/// checkout clean while still proving every screenshot can be taken. Only the SQLite run shoots.
fn shot(backend: Backend, name: &str) -> Option<PathBuf> {
    matches!(backend, Backend::Sqlite).then(|| {
        let dir = if std::env::var_os("LANYARD_UPDATE_SCREENSHOTS").is_some() {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
        } else {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
        };
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        dir.join(format!("{name}.png"))
    })
}

async fn snap(browser: &Browser, backend: Backend, name: &str) {
    if let Some(path) = shot(backend, name) {
        browser.screenshot(&path).await;
    }
}

async fn connect_authorize_and_default_in_a_browser(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["dev", "staging", "production"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let browser = Browser::start(1280, 900).await;
    let url = |path: &str| format!("{}{path}", server.url);

    // Without a session every page leads to the login form.
    browser.goto(&url("/connections/matrix")).await;
    browser
        .wait_for_path("/login?next=%2Fconnections%2Fmatrix")
        .await;
    snap(&browser, backend, "login").await;
    // The token field has focus, and Enter submits the form.
    let focused = "return document.activeElement.id;";
    browser.wait_for(focused, "token").await;
    browser
        .type_into("#token", &format!("{}{ENTER}", server.admin_token()))
        .await;
    // Logging in leads back to the page that was asked for.
    browser.wait_for_path("/connections/matrix").await;
    browser.goto(&url("/connections")).await;
    browser.wait_for_path("/connections").await;
    assert!(browser.text("h1").await.contains("Mission Control"));
    snap(&browser, backend, "mission-control").await;

    // Keyboard only: the first Tab reaches "Skip to content"; more Tabs reach the AWS card,
    // and Enter opens the wizard.
    browser.press(TAB).await;
    browser
        .wait_for(
            "return document.activeElement.textContent;",
            "Skip to content",
        )
        .await;
    for _ in 0..40 {
        if browser.eval(focused).await.as_deref() == Some("card-aws") {
            break;
        }
        browser.press(TAB).await;
    }
    browser.wait_for(focused, "card-aws").await;
    browser.press(ENTER).await;
    browser.wait_for_path("/connections/new/aws").await;
    browser.type_into("#name", "aws-prod").await;
    browser.type_into("#field-account_id", "123456789012").await;
    browser
        .type_into("#field-access_key_id", "AKIAIOSFODNN7EXAMPLE")
        .await;
    browser
        .type_into("#field-secret_access_key", SECRET_KEY)
        .await;
    browser.type_into("#field-region", "eu-west-1").await;
    browser.eval("window.scrollTo(0, 0); return null;").await;
    snap(&browser, backend, "wizard").await;
    browser.click("#wizard button[type=submit]").await;
    browser.wait_for_path("/connections/aws-prod").await;
    assert!(browser.text(".flash.ok").await.contains("aws-prod created"));

    // Authorize it for dev and staging.
    browser.click("#scope-environment").await;
    browser.click("#env-dev").await;
    browser.click("#env-staging").await;
    browser.click("#save-authorization").await;
    browser
        .wait_for(
            "return document.querySelector('#scope') && document.querySelector('#scope').textContent;",
            "Environments: dev, staging",
        )
        .await;
    snap(&browser, backend, "connection").await;

    // The matrix: dev is authorized; "Set as default" turns the cell to default.
    browser.goto(&url("/connections/matrix")).await;
    let cell = "td[data-connection='aws-prod'][data-environment='dev']";
    let state = format!("return document.querySelector(\"{cell}\").dataset.state;");
    browser.wait_for(&state, "authorized").await;
    browser
        .click(&format!(
            "{cell} form[action='/connections/matrix/default'] button"
        ))
        .await;
    browser.wait_for(&state, "default").await;
    let production = "td[data-connection='aws-prod'][data-environment='production']";
    browser
        .wait_for(
            &format!("return document.querySelector(\"{production}\").dataset.state;"),
            "not_authorized",
        )
        .await;
    snap(&browser, backend, "matrix").await;

    browser.goto(&url("/connections?tab=connected")).await;
    let listed = browser.text("#connected").await;
    assert!(
        listed.contains("aws-prod") && listed.contains("Default in dev"),
        "{listed}"
    );
    snap(&browser, backend, "connected-providers").await;

    // A job's log streams into the page, redacted.
    let job = admin
        .create_job(
            "acme",
            &CreateJob {
                environment: "dev".into(),
                providers: vec!["aws".into()],
                connections: vec![],
                runner: None,
                git: None,
                timeout_secs: None,
                upload: None,
                artifacts: vec![],
                command: vec![
                    "sh".into(),
                    "-c".into(),
                    "echo deploying to $AWS_REGION; echo key=$AWS_SECRET_ACCESS_KEY".into(),
                ],
            },
        )
        .await
        .unwrap();
    browser.goto(&url(&format!("/jobs/{}", job.id))).await;
    browser
        .wait_for(
            "return document.getElementById('job-status').textContent;",
            "succeeded",
        )
        .await;
    browser
        .wait_for(
            "return String(document.getElementById('log').textContent.includes('deploying to eu-west-1'));",
            "true",
        )
        .await;
    snap(&browser, backend, "job").await;

    // Nothing the browser was shown holds the secret.
    for path in [
        "/connections/aws-prod",
        "/secrets",
        &format!("/jobs/{}", job.id),
    ] {
        browser.goto(&url(path)).await;
        let source = browser.source().await;
        assert!(!source.contains(SECRET_KEY), "{path}");
    }
    assert!(!browser
        .eval("return document.getElementById('log').textContent;")
        .await
        .unwrap_or_default()
        .contains(SECRET_KEY));

    // Every control on every page has a label, and every button a name.
    for path in [
        "/connections",
        "/connections/new/aws",
        "/connections/aws-prod",
        "/connections/matrix",
        "/environments",
        "/secrets",
        "/variables",
        "/runners",
        "/jobs",
        "/audit",
    ] {
        browser.goto(&url(path)).await;
        browser.wait_for_path(path).await;
        assert_eq!(
            browser.eval(UNLABELED).await.as_deref(),
            Some("0"),
            "{path}"
        );
    }

    // Readable on a phone.
    browser.resize(390, 844).await;
    browser.goto(&url("/connections")).await;
    browser.wait_for_path("/connections").await;
    snap(&browser, backend, "mission-control-phone").await;
    assert!(browser.url().await.ends_with("/connections"));
}

/// The cross-account wizard up to its role step. moto's IAM checks stay off, so any role can be
/// assumed with a wrong external id too: the two-sided check refuses it as a confused deputy.
async fn cross_account_role_step_in_a_browser(backend: Backend) {
    let moto = Moto::start();
    let identity = moto.create_user("lanyard-server", &["*"]);
    let server = server_reaching(backend, &moto.endpoint(), Some(&identity)).await;
    let browser = Browser::start(1280, 900).await;
    let url = |path: &str| format!("{}{path}", server.url);
    browser
        .goto(&url("/connections/new/aws?mode=cross-account-trust"))
        .await;
    browser
        .type_into("#token", &format!("{}{ENTER}", server.admin_token()))
        .await;
    browser
        .wait_for_path("/connections/new/aws?mode=cross-account-trust")
        .await;
    assert_eq!(browser.eval(UNLABELED).await.as_deref(), Some("0"));
    browser.type_into("#name", "aws-xacct").await;
    browser.type_into("#field-account_id", moto::ACCOUNT).await;
    for unneeded in ["eks", "ecs", "rds-database", "kms-encryption"] {
        browser.click(&format!("#cap-{unneeded}")).await;
    }
    browser.click("#wizard button[type=submit]").await;
    browser.wait_for_path("/connections/aws-xacct/role").await;
    assert!(browser.text(".flash.ok").await.contains("is pending"));
    assert!(browser
        .text("#download-template")
        .await
        .contains("Download template"));
    assert_eq!(browser.eval(UNLABELED).await.as_deref(), Some("0"));
    snap(&browser, backend, "cross-account").await;

    browser
        .type_into(
            "#iam-role-arn",
            &format!("arn:aws:iam::{}:role/anything{ENTER}", moto::ACCOUNT),
        )
        .await;
    browser
        .wait_for(
            "return String(!!document.getElementById('role-error'));",
            "true",
        )
        .await;
    assert!(browser
        .text("#role-error")
        .await
        .contains("confused-deputy"));
    browser.goto(&url("/connections/aws-xacct")).await;
    assert!(browser
        .text("#pending-role")
        .await
        .contains("Waiting for its IAM role"));
}
