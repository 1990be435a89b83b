//! Two `lanyard server` processes on one PostgreSQL database behind a round-robin haproxy (no
//! sticky sessions): the console in Chromium and the CLI work through the proxy, whichever
//! replica each request lands on, and a session outlives the replica that opened it.

use lanyard_testkit::haproxy::RoundRobin;
use lanyard_testkit::webdriver::Browser;

use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(console_and_cli_through_a_load_balancer_across_replicas);

const ENTER: &str = "\u{E007}";

fn addr(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("http://")
        .parse()
        .expect("server address")
}

async fn console_and_cli_through_a_load_balancer_across_replicas(backend: Backend) {
    if backend == Backend::Sqlite {
        // An embedded SQLite database has one server; replicas need PostgreSQL.
        return;
    }
    let sandbox = Sandbox::new(backend).await;
    let trust = ["--trusted-proxy", "127.0.0.1"];
    let first = sandbox.start(&trust);
    let token = first.first_token();
    let second = sandbox.start(&trust);
    let proxy = RoundRobin::start(&[addr(&first.url()), addr(&second.url())]);
    let lb = proxy.url.as_str();
    let cli = |args: &[&str]| {
        let mut all = vec!["--server", lb, "--token", token.as_str()];
        all.extend_from_slice(args);
        sandbox.run(&all)
    };

    // The CLI through the proxy: each command may land on either replica.
    cli(&["env", "create", "dev"]).ok();
    for _ in 0..4 {
        let envs = cli(&["env", "list", "-o", "json"]).json();
        assert_eq!(envs[0]["name"], "dev", "{envs}");
    }

    // The console: log in, browse (alternating replicas), create a connection.
    let browser = Browser::start(1280, 900).await;
    let url = |path: &str| format!("{lb}{path}");
    browser.goto(&url("/login")).await;
    browser
        .type_into("#token", &format!("{token}{ENTER}"))
        .await;
    browser.wait_for_path("/connections").await;
    for path in [
        "/environments",
        "/connections/matrix",
        "/jobs",
        "/audit",
        "/connections",
    ] {
        browser.goto(&url(path)).await;
        browser.wait_for_path(path).await;
        assert!(
            !browser.url().await.contains("/login"),
            "logged out at {path}"
        );
    }
    browser.goto(&url("/connections/new/digitalocean")).await;
    browser.type_into("#name", "do-shared").await;
    browser
        .type_into(
            "#field-api_token",
            "dop_v1_0123456789abcdef0123456789abcdef",
        )
        .await;
    browser.type_into("#field-default_region", "nyc3").await;
    browser.click("#wizard button[type=submit]").await;
    browser.wait_for_path("/connections/do-shared").await;
    assert!(browser.text(".flash").await.contains("do-shared created"));
    let listed = cli(&["connection", "list", "-o", "json"]).json();
    assert_eq!(listed[0]["name"], "do-shared", "{listed}");

    // A job started by the CLI, followed live in the console and by the CLI, through the proxy.
    let job = cli(&[
        "run",
        "--env",
        "dev",
        "--detach",
        "-o",
        "json",
        "--",
        "sh",
        "-c",
        "echo step-one; sleep 1; echo step-two",
    ])
    .json();
    let id = job["id"].as_str().expect("a job id").to_owned();
    browser.goto(&url(&format!("/jobs/{id}"))).await;
    browser
        .wait_for(
            "return String(document.getElementById('log').textContent.includes('step-two'));",
            "true",
        )
        .await;
    let logs = cli(&["job", "logs", &id, "--follow"]).ok();
    assert!(
        logs.stdout.contains("step-one") && logs.stdout.contains("step-two"),
        "{logs:?}"
    );

    // One replica dies mid-session: the session goes on, on the other.
    first.kill();
    for path in ["/environments", "/connections/do-shared", "/connections"] {
        browser.goto(&url(path)).await;
        browser.wait_for_path(path).await;
    }
    assert!(browser.text("h1").await.contains("Mission Control"));
    cli(&["env", "create", "staging"]).ok();

    // Logging out ends the session everywhere.
    browser.click("form[action='/logout'] button").await;
    browser.wait_for_path("/login").await;
    browser.goto(&url("/connections")).await;
    browser.wait_for_path("/login?next=%2Fconnections").await;
    second.stop();
}
