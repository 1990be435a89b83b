//! The audit trail under hostile load, on SQLite and PostgreSQL:
//!
//! - a viewer token hammers resolve for 30 s (wrk, 64 connections, no rate limit): how much the
//!   trail and the database grow, against one event per request (what the trail wrote before
//!   identical reads were counted);
//! - `audit verify` of a trail of 1,000,000 events: its rate against a bare read of the same
//!   rows in the same run, and the server process's peak memory while it runs.
//!
//! `cargo bench -p lanyard-server --bench audit` (the load part needs `wrk`).

use std::time::{Duration, Instant};

use lanyard_store::AuditEntry;
use lanyard_testkit::load::{resolvable_org, wrk, wrk_installed};
use lanyard_testkit::{Backend, TestServer};
use sqlx::{Connection, Row};

const LOAD: Duration = Duration::from_secs(30);
const EVENTS: i64 = 1_000_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if wrk_installed() {
            runtime.block_on(viewer_load(backend));
        } else {
            println!("wrk is not installed (apt-get install wrk): load part skipped");
        }
        runtime.block_on(verify_a_million(backend));
    }
}

async fn viewer_load(backend: Backend) {
    let server = TestServer::start(backend).await;
    resolvable_org(&server, 1).await;
    let viewer = server.viewer_token().await;
    let before = footprint(&server).await;
    let url = format!(
        "{}/api/v1/orgs/acme/resolve?provider=aws&env=prod",
        server.url
    );
    let load = wrk(&url, Some(&viewer), LOAD).await;
    let after = footprint(&server).await;
    let events = after.events - before.events;
    println!(
        "{backend:?}: viewer resolve for {}s: {} requests ({:.0}/s), {events} audit events \
         ({:.6} per request; one per request before counting), trail +{} KiB, database +{} KiB",
        LOAD.as_secs(),
        load.requests,
        load.rate,
        events as f64 / load.requests.max(1) as f64,
        (after.trail_bytes - before.trail_bytes) / 1024,
        (after.database_bytes - before.database_bytes) / 1024,
    );
}

/// Audit rows, the trail's bytes (its rows' text) and the database's bytes on disk.
struct Footprint {
    events: i64,
    trail_bytes: i64,
    database_bytes: i64,
}

async fn footprint(server: &TestServer) -> Footprint {
    let mut conn = sqlx::AnyConnection::connect(&server.database().sqlx_url())
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(details) + LENGTH(target) + LENGTH(actor) \
         + LENGTH(source) + LENGTH(action) + LENGTH(hash) + LENGTH(prev_hash)), 0) AS bytes \
         FROM audit_events",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let database_bytes = match server.database().backend() {
        Backend::Sqlite => {
            // Let the write-ahead log land in the file, then count every file of the data dir.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut conn)
                .await;
            dir_bytes(server.database().data_dir())
        }
        Backend::Postgres => sqlx::query("SELECT pg_database_size(current_database()) AS n")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get::<i64, _>("n"),
    };
    Footprint {
        events: row.get("n"),
        trail_bytes: row.get("bytes"),
        database_bytes,
    }
}

fn dir_bytes(dir: &std::path::Path) -> i64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| i64::try_from(m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

async fn verify_a_million(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seeded = Instant::now();
    seed_trail(&server).await;
    println!(
        "{backend:?}: seeded {EVENTS} audit events in {:.1}s",
        seeded.elapsed().as_secs_f64()
    );
    let read_rate = bare_read(&server).await;
    reset_peak_memory();
    let resident = memory_kib("VmRSS");
    let started = Instant::now();
    let verdict = server.admin().verify_audit("acme").await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(verdict.intact, "{verdict:?}");
    let peak = memory_kib("VmHWM");
    let rate = verdict.events as f64 / seconds;
    println!(
        "{backend:?}: audit verify of {} events: {seconds:.1}s, {rate:.0} events/s \
         ({:.2} of a bare paged read, {read_rate:.0} rows/s); process peak {} MiB, {} MiB above \
         its resident size before",
        verdict.events,
        rate / read_rate,
        peak / 1024,
        (peak - resident).max(0) / 1024,
    );
}

/// Appends `EVENTS` chained events after the server's own, straight into the database. Their
/// links are unkeyed SHA-256 and dated before the chain's key, as an upgraded installation's
/// old events are: verification costs the same per event either way.
async fn seed_trail(server: &TestServer) {
    let (mut conn, org_id) = acme(server).await;
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
        .bind(&org_id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let (first, mut prev): (i64, String) = (head.get("seq"), head.get("hash"));
    assert_eq!(
        first, 1,
        "only the first start's event, which predates the key"
    );
    let mut tx = conn.begin().await.unwrap();
    let mut seq = first;
    while seq < first + EVENTS {
        let mut values = Vec::with_capacity(500);
        for _ in 0..500 {
            seq += 1;
            let entry = AuditEntry {
                org_id: org_id.clone(),
                at: 1,
                actor: "bench-token".to_owned(),
                source: "127.0.0.1".to_owned(),
                action: "resolve".to_owned(),
                target: "provider/aws@prod".to_owned(),
                details: format!("{{\"connection\":\"target\",\"n\":{seq}}}"),
            };
            let hash = lanyard_store::audit_hash(&prev, seq, &entry);
            values.push(format!(
                "('{org_id}', {seq}, 1, 'bench-token', '127.0.0.1', 'resolve', \
                 'provider/aws@prod', '{}', '{prev}', '{hash}')",
                entry.details
            ));
            prev = hash;
        }
        sqlx::query(&format!(
            "INSERT INTO audit_events (org_id, seq, at, actor, source, action, target, details, \
             prev_hash, hash) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE org_id = $3")
        .bind(seq)
        .bind(&prev)
        .bind(&org_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// A connection to the server's database and the id of its organization `acme`.
async fn acme(server: &TestServer) -> (sqlx::AnyConnection, String) {
    let mut conn = sqlx::AnyConnection::connect(&server.database().sqlx_url())
        .await
        .unwrap();
    let org_id = sqlx::query_scalar("SELECT id FROM organizations WHERE slug = 'acme'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    (conn, org_id)
}

/// Rows per second of reading the whole trail in pages of 1,000, as verification pages, with
/// nothing computed: the floor verification stands on.
async fn bare_read(server: &TestServer) -> f64 {
    let (mut conn, org_id) = acme(server).await;
    let started = Instant::now();
    let (mut after, mut rows) = (0_i64, 0_usize);
    loop {
        let page = sqlx::query(
            "SELECT seq, at, actor, source, action, target, details, prev_hash, hash \
             FROM audit_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000",
        )
        .bind(&org_id)
        .bind(after)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let Some(last) = page.last() else { break };
        after = last.get("seq");
        rows += page.len();
    }
    rows as f64 / started.elapsed().as_secs_f64()
}

/// Resets the kernel's record of this process's peak resident size (VmHWM).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn memory_kib(field: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
