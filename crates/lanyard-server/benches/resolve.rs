//! Resolve throughput under load from a second process (wrk), against `/healthz` in the same
//! run, with 100 and 100,000 connections in the organization, on SQLite and PostgreSQL.
//!
//! `cargo bench -p lanyard-server --bench resolve` (needs `wrk`: `apt-get install wrk`).

use std::process::Command;
use std::time::Duration;

use lanyard_testkit::load::{wrk, wrk_installed};
use lanyard_testkit::{Backend, TestServer};

const SECONDS: Duration = Duration::from_secs(8);

fn main() {
    if !wrk_installed() {
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
    lanyard_testkit::load::resolvable_org(&server, connections).await;
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
    let health = wrk(&format!("{base}/healthz"), None, SECONDS).await;
    let resolve = wrk(
        &format!("{base}/api/v1/orgs/acme/resolve?provider=aws&env=prod"),
        Some(server.admin_token()),
        SECONDS,
    )
    .await;
    drop(proxy);
    for other in others {
        other.stop().await;
    }
    format!(
        "| {backend:?} ×{replicas} | {connections} | {:.0} | {:.0} | {:.2} | {} |",
        health.rate,
        resolve.rate,
        resolve.rate / health.rate,
        resolve.p99
    )
}
