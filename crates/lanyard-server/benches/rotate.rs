//! Master-key rotation over 100,000 sealed secret versions, on SQLite and PostgreSQL, against a
//! baseline of the same number of bare in-memory re-wraps in the same run.
//!
//! `cargo bench -p lanyard-server --bench rotate` (PostgreSQL at LANYARD_TEST_POSTGRES_URL or
//! postgres://postgres@127.0.0.1:5432/postgres; skipped with a note if unreachable).

use std::sync::Arc;
use std::time::Instant;

use lanyard_core::{install_or_verify, KeySource, Lanyard};
use lanyard_crypto::{rewrap, seal, Keyring, MasterKey, SecretBytes, SecretContext};
use lanyard_domain::Slug;
use lanyard_store::{DatabaseUrl, SecretStore, SqlStore, Store};
use sqlx::{Connection, Executor};

const VERSIONS: usize = 100_000;
const SECRETS: usize = 10_000;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let baseline = baseline();
        println!(
            "baseline: {VERSIONS} in-memory re-wraps: {:.0} versions/s",
            baseline
        );
        for batch in [1_000, 10_000] {
            let dir = tempfile::tempdir().expect("temp dir");
            let rate = run("sqlite", &DatabaseUrl::sqlite_in(dir.path()), batch).await;
            println!(
                "sqlite   batch {batch:>5}: {rate:.0} versions/s ({:.3} of baseline)",
                rate / baseline
            );
            let dir = tempfile::tempdir().expect("temp dir");
            let rate = run_per_row(&DatabaseUrl::sqlite_in(dir.path()), batch).await;
            println!(
                "sqlite   batch {batch:>5}, one UPDATE per version (before): {rate:.0} versions/s \
                 ({:.3} of baseline)",
                rate / baseline
            );
        }
        let admin = std::env::var("LANYARD_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        match sqlx::PgConnection::connect(&admin).await {
            Ok(mut conn) => {
                for batch in [1_000, 10_000] {
                    let name = format!("lanyard_bench_{}", uuid::Uuid::now_v7().simple());
                    conn.execute(format!("CREATE DATABASE {name}").as_str())
                        .await
                        .expect("create db");
                    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                    let url = DatabaseUrl::parse(&format!("{base}/{name}")).expect("url");
                    let rate = run("postgres", &url, batch).await;
                    println!(
                        "postgres batch {batch:>5}: {rate:.0} versions/s ({:.3} of baseline)",
                        rate / baseline
                    );
                    let _ = conn
                        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
                        .await;
                    conn.execute(format!("CREATE DATABASE {name}").as_str())
                        .await
                        .expect("create db");
                    let rate = run_per_row(&url, batch).await;
                    println!(
                        "postgres batch {batch:>5}, one UPDATE per version (before): {rate:.0} \
                         versions/s ({:.3} of baseline)",
                        rate / baseline
                    );
                    let _ = conn
                        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
                        .await;
                }
            }
            Err(e) => println!("postgres: skipped ({e})"),
        }
    });
}

/// Bare re-wraps of sealed blobs in memory: the cryptographic floor of rotation.
fn baseline() -> f64 {
    let old = MasterKey::generate();
    let old_ring = Keyring::new(twin(&old));
    let context = |n: usize| SecretContext::new("org", format!("s{}", n % SECRETS), 1);
    let blobs: Vec<_> = (0..VERSIONS)
        .map(|n| {
            seal(
                &old_ring,
                &context(n),
                &SecretBytes::from_vec(b"value".to_vec()),
            )
            .unwrap()
        })
        .collect();
    let ring = Keyring::new(MasterKey::generate()).with_retired(old);
    let started = Instant::now();
    for (n, blob) in blobs.iter().enumerate() {
        std::hint::black_box(rewrap(&ring, &context(n), blob).unwrap());
    }
    VERSIONS as f64 / started.elapsed().as_secs_f64()
}

fn twin(key: &MasterKey) -> MasterKey {
    MasterKey::from_base64(&key.to_base64()).expect("round trip")
}

/// Seeds `VERSIONS` sealed versions under an old key, then rotates to a new one; versions/s.
async fn run(label: &str, url: &DatabaseUrl, batch: i64) -> f64 {
    let (store, admin_token, keyring) = seeded(label, url).await;
    let dyn_store: Arc<dyn Store> = store.clone();
    let app = Lanyard::new(dyn_store, Arc::new(keyring));
    let me = app
        .authenticate(admin_token.expose_secret())
        .await
        .expect("token");
    let started = Instant::now();
    let mut rewrapped = 0;
    loop {
        let step = app.rotate_keys(&me, batch).await.expect("rotate");
        rewrapped += step.rewrapped;
        if step.remaining == 0 {
            break;
        }
    }
    assert_eq!(
        rewrapped as usize, VERSIONS,
        "{label}: every version re-wrapped"
    );
    store.close().await;
    VERSIONS as f64 / started.elapsed().as_secs_f64()
}

/// A fresh installation on `url` with `VERSIONS` versions sealed under an old key, and a keyring
/// whose active key is new and whose retired key is the old one.
async fn seeded(
    label: &str,
    url: &DatabaseUrl,
) -> (Arc<SqlStore>, lanyard_crypto::ApiToken, Keyring) {
    let old = MasterKey::generate();
    let store = Arc::new(SqlStore::open(url).await.expect("open store"));
    let installed = install_or_verify(
        store.as_ref(),
        &Keyring::new(twin(&old)),
        &KeySource::Environment,
        &Slug::parse("bench").unwrap(),
    )
    .await
    .expect("install");
    let lanyard_core::Installation::Fresh { org, admin_token } = installed else {
        panic!("{label}: expected an empty database")
    };
    seed(url, &org.id, &old).await;
    let keyring = Keyring::new(MasterKey::generate()).with_retired(old);
    (store, admin_token, keyring)
}

/// The strategy rotation used before multi-row updates, measured on the same data in the same
/// run: the same reads and re-wraps, then one compare-and-swap `UPDATE` per version in one
/// transaction per batch.
async fn run_per_row(url: &DatabaseUrl, batch: i64) -> f64 {
    let (store, _, keyring) = seeded("one UPDATE per version", url).await;
    let active = keyring.active().key_id().to_string();
    let mut conn = sqlx::AnyConnection::connect(&url.to_string())
        .await
        .expect("connect");
    let started = Instant::now();
    let mut rewrapped = 0;
    loop {
        let pending = store
            .versions_not_under(&active, batch)
            .await
            .expect("read a batch");
        if pending.is_empty() {
            break;
        }
        let mut tx = conn.begin().await.expect("begin");
        for version in &pending {
            let context = SecretContext::new(
                &version.org_id,
                &version.secret_id,
                u32::try_from(version.version).unwrap(),
            );
            let sealed = rewrap(&keyring, &context, &version.sealed).expect("rewrap");
            sqlx::query(
                "UPDATE secret_versions SET key_id = $1, sealed = $2 \
                 WHERE secret_id = $3 AND version = $4 AND key_id = $5",
            )
            .bind(sealed.key_id().to_hex())
            .bind(sealed.to_vec())
            .bind(&version.secret_id)
            .bind(version.version)
            .bind(version.sealed.key_id().to_hex())
            .execute(&mut *tx)
            .await
            .expect("update");
            rewrapped += 1;
        }
        tx.commit().await.expect("commit");
    }
    assert_eq!(rewrapped, VERSIONS, "every version re-wrapped");
    store.close().await;
    VERSIONS as f64 / started.elapsed().as_secs_f64()
}

/// Bulk-inserts secrets and sealed versions directly: set-up speed, not what is measured.
async fn seed(url: &DatabaseUrl, org_id: &str, key: &MasterKey) {
    let ring = Keyring::new(twin(key));
    let mut conn = sqlx::AnyConnection::connect(&url.to_string())
        .await
        .expect("connect");
    let mut tx = conn.begin().await.expect("begin");
    let per_secret = VERSIONS / SECRETS;
    for chunk in (0..SECRETS).collect::<Vec<_>>().chunks(200) {
        let mut secrets = String::from("INSERT INTO secrets (id, org_id, slug, current_version, created_at, updated_at) VALUES ");
        let mut versions = String::from("INSERT INTO secret_versions (secret_id, version, key_id, sealed, created_at, created_by) VALUES ");
        let mut blobs = Vec::new();
        for (i, n) in chunk.iter().enumerate() {
            let id = format!("bench-secret-{n}");
            if i > 0 {
                secrets.push(',');
            }
            secrets.push_str(&format!("('{id}', '{org_id}', 's{n}', {per_secret}, 0, 0)"));
            for version in 1..=per_secret {
                let ctx = SecretContext::new(org_id, id.as_str(), version as u32);
                let blob = seal(
                    &ring,
                    &ctx,
                    &SecretBytes::from_vec(format!("value-{n}-{version}").into_bytes()),
                )
                .unwrap();
                if !blobs.is_empty() {
                    versions.push(',');
                }
                versions.push_str(&format!(
                    "('{id}', {version}, '{}', ${}, 0, 'bench')",
                    blob.key_id(),
                    blobs.len() + 1
                ));
                blobs.push(blob.to_vec());
            }
        }
        sqlx::query(&secrets)
            .execute(&mut *tx)
            .await
            .expect("seed secrets");
        let mut query = sqlx::query(&versions);
        for blob in blobs {
            query = query.bind(blob);
        }
        query.execute(&mut *tx).await.expect("seed versions");
    }
    tx.commit().await.expect("commit");
}
