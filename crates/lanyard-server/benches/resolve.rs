//! Resolve throughput under load from a second process (wrk), against `/healthz` in the same
//! run, with 100 and 100,000 connections in the organization, on SQLite and PostgreSQL.
//!
//! `cargo bench -p lanyard-server --bench resolve` (needs `wrk`: `apt-get install wrk`).

use std::process::Command;

use lanyard_api::{AuthorizationRequest, SetDefault};
use lanyard_testkit::{Backend, TestServer};
use sqlx::Connection;

const SECONDS: &str = "8";

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("wrk is not installed: apt-get install wrk");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("| backend | connections | /healthz req/s | resolve req/s | ratio | resolve p99 |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for connections in [100, 100_000] {
            let row = runtime.block_on(run(backend, connections, 1));
            println!("{row}");
        }
    }
    // Two replicas on one PostgreSQL database behind a round-robin haproxy (when installed),
    // against `/healthz` through the same proxy.
    if Command::new("haproxy").arg("-v").output().is_ok()
        || std::path::Path::new("/usr/sbin/haproxy").exists()
    {
        let row = runtime.block_on(run(Backend::Postgres, 100, 2));
        println!("{row}");
    }
}

async fn run(backend: Backend, connections: usize, replicas: usize) -> String {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "prod").await.unwrap();
    seed(&server, connections).await;
    let auth = AuthorizationRequest {
        provider: "aws".into(),
        connection: "target".into(),
        scope: "environment".into(),
        environments: vec!["prod".into()],
    };
    admin.create_authorization("acme", &auth).await.unwrap();
    admin
        .set_default(
            "acme",
            "aws",
            &SetDefault {
                connection: "target".into(),
                environment: None,
            },
        )
        .await
        .unwrap();
    let check = admin.resolve("acme", "aws", "prod", None).await.unwrap();
    assert!(
        check.authorized && check.connection.as_deref() == Some("target"),
        "{check:?}"
    );
    let mut others = Vec::new();
    let mut proxy = None;
    let mut base = server.url.clone();
    if replicas > 1 {
        let mut addrs = vec![server.addr()];
        for _ in 1..replicas {
            let other = server.start_another().await;
            addrs.push(other.addr());
            others.push(other);
        }
        let lb = lanyard_testkit::haproxy::RoundRobin::start(&addrs);
        base = lb.url.clone();
        proxy = Some(lb);
    }
    let health = wrk(&format!("{base}/healthz"), None).await;
    let resolve = wrk(
        &format!("{base}/api/v1/orgs/acme/resolve?provider=aws&env=prod"),
        Some(server.admin_token()),
    )
    .await;
    drop(proxy);
    for other in others {
        other.stop().await;
    }
    format!(
        "| {backend:?} ×{replicas} | {connections} | {:.0} | {:.0} | {:.2} | {} |",
        health.0,
        resolve.0,
        resolve.0 / health.0,
        resolve.1
    )
}

/// Bulk-inserts connections (no fields: resolution never reads them) straight into the database.
async fn seed(server: &TestServer, connections: usize) {
    let url = server.database().sqlx_url();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let org_id: String = sqlx::query_scalar("SELECT id FROM organizations WHERE slug = 'acme'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let mut tx = conn.begin().await.unwrap();
    let names: Vec<String> = std::iter::once("target".to_owned())
        .chain((1..connections).map(|n| format!("conn-{n}")))
        .collect();
    for chunk in names.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|name| format!("('{name}-id', '{org_id}', '{name}', 'aws', NULL, 'inline', 0, 0)"))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO connections (id, org_id, slug, provider, kind, auth_mode, created_at, updated_at) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Requests per second and the 99th-percentile latency, from wrk at 64 connections.
async fn wrk(url: &str, token: Option<&str>) -> (f64, String) {
    let mut command = tokio::process::Command::new("wrk");
    command.args(["-t2", "-c64", "-d", SECONDS, "--latency"]);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let output = command.arg(url).output().await.unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let errors = text
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"));
    if let Some(errors) = errors {
        eprintln!("{url}: {errors}");
    }
    (rate, p99)
}
