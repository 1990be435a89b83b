//! Load from a second process for the benchmarks: `wrk` (`apt-get install wrk`) at 64
//! connections on two threads, as a bench's baseline and its measured request alike.

use std::time::Duration;

/// What one wrk run measured.
pub struct Load {
    /// Requests per second.
    pub rate: f64,
    /// Requests completed in the run.
    pub requests: u64,
    /// The 99th-percentile latency as wrk prints it (e.g. `2.99ms`).
    pub p99: String,
}

/// Whether wrk is installed; benches that need it say so and skip.
pub fn wrk_installed() -> bool {
    std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok()
}

/// Runs wrk against `url` for `duration`, with a bearer `token` if given.
pub async fn wrk(url: &str, token: Option<&str>, duration: Duration) -> Load {
    let mut command = tokio::process::Command::new("wrk");
    command.args([
        "-t2",
        "-c64",
        "-d",
        &format!("{}s", duration.as_secs()),
        "--latency",
    ]);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let output = command.arg(url).output().await.expect("wrk runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    // "  123456 requests in 8.00s, 45.67MB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
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
    Load {
        rate,
        requests,
        p99,
    }
}

/// Makes `acme`'s `prod` resolve aws to a connection `target`, among `connections` in all
/// (the rest bulk-inserted straight into the database, without fields: resolution never reads
/// them), and checks that it does.
pub async fn resolvable_org(server: &crate::TestServer, connections: usize) {
    use lanyard_api::{AuthorizationRequest, SetDefault};
    let admin = server.admin();
    admin.create_environment("acme", "prod").await.unwrap();
    insert_connections(server, connections).await;
    let auth = AuthorizationRequest {
        provider: "aws".into(),
        connection: "target".into(),
        scope: "environment".into(),
        environments: vec!["prod".into()],
    };
    admin.create_authorization("acme", &auth).await.unwrap();
    let default = SetDefault {
        connection: "target".into(),
        environment: None,
    };
    admin.set_default("acme", "aws", &default).await.unwrap();
    let check = admin.resolve("acme", "aws", "prod", None).await.unwrap();
    assert!(
        check.authorized && check.connection.as_deref() == Some("target"),
        "{check:?}"
    );
}

async fn insert_connections(server: &crate::TestServer, connections: usize) {
    use sqlx::Connection as _;
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
            "INSERT INTO connections (id, org_id, slug, provider, kind, auth_mode, created_at, \
             updated_at) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}
