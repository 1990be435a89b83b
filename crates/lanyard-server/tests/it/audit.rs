//! The audit trail: every change, resolve and release is an event written with the change; the
//! chain verifies untouched and breaks when a row is edited or deleted.

use lanyard_api::{AuthorizationRequest, CreateConnection, FieldInput, SetDefault, WireSecret};
use lanyard_domain::Slug;
use lanyard_testkit::{backend_tests, Backend, TestServer};
use sqlx::Connection;

const PLANTED: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYauditKEY00";

async fn db(server: &TestServer) -> sqlx::AnyConnection {
    let url = server.database().sqlx_url();
    sqlx::AnyConnection::connect(&url).await.unwrap()
}

async fn every_change_resolve_and_release_is_recorded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    admin
        .set_secret("acme", "aws-key", PLANTED.to_owned().into())
        .await
        .unwrap();
    let fields = [
        (
            "account_id".to_owned(),
            FieldInput::Value(WireSecret::new("123456789012".to_owned().into())),
        ),
        (
            "access_key_id".to_owned(),
            FieldInput::Value(WireSecret::new("AKIAIOSFODNN7EXAMPLE".to_owned().into())),
        ),
        (
            "secret_access_key".to_owned(),
            FieldInput::Secret("aws-key".into()),
        ),
    ]
    .into();
    let request = CreateConnection {
        name: "aws-dev".into(),
        provider: "aws".into(),
        kind: None,
        auth_mode: None,
        fields,
    };
    admin.create_connection("acme", &request).await.unwrap();
    let auth = AuthorizationRequest {
        provider: "aws".into(),
        connection: "aws-dev".into(),
        scope: "organization".into(),
        environments: vec![],
    };
    admin.create_authorization("acme", &auth).await.unwrap();
    admin
        .set_default(
            "acme",
            "aws",
            &SetDefault {
                connection: "aws-dev".into(),
                environment: None,
            },
        )
        .await
        .unwrap();
    admin.resolve("acme", "aws", "dev", None).await.unwrap();
    let core = server.core().await;
    let me = core.authenticate(server.admin_token()).await.unwrap();
    let (org, conn, dev) = (
        Slug::parse("acme").unwrap(),
        Slug::parse("aws-dev").unwrap(),
        Slug::parse("dev").unwrap(),
    );
    core.materialize_connection(&me, &org, &conn, &dev)
        .await
        .unwrap();
    // A failed change writes no event.
    let before = admin
        .audit_events("acme", None, None, None)
        .await
        .unwrap()
        .len();
    admin.create_environment("acme", "dev").await.unwrap_err();
    assert_eq!(
        admin
            .audit_events("acme", None, None, None)
            .await
            .unwrap()
            .len(),
        before
    );

    let events = admin.audit_events("acme", None, None, None).await.unwrap();
    let actions: Vec<&str> = events.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "organization.create",
            "environment.create",
            "secret.set",
            "connection.create",
            "authorization.create",
            "default.set",
            "connection.resolve",
            "credential.release",
        ]
    );
    let over_http = events
        .iter()
        .find(|e| e.action == "environment.create")
        .unwrap();
    assert_eq!(over_http.source, "127.0.0.1");
    assert_eq!(over_http.actor, admin.whoami().await.unwrap().token_id);
    let release = &events[0];
    assert_eq!(release.details["secrets"][0]["version"], 1);
    // Filtered by connection.
    let about = admin
        .audit_events("acme", None, Some("aws-dev"), None)
        .await
        .unwrap();
    assert!(about.iter().all(|e| e.target == "connection/aws-dev") && about.len() >= 4);
    // No secret value anywhere in the trail, in the API or in the rows.
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains(PLANTED));
    let mut conn = db(&server).await;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM audit_events")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(rows.iter().all(|(d,)| !d.contains(PLANTED)));
    let verdict = admin.verify_audit("acme").await.unwrap();
    assert!(verdict.intact, "{verdict:?}");
}

async fn verify_detects_edited_and_deleted_events(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["a", "b", "c", "d"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let ok = admin.verify_audit("acme").await.unwrap();
    assert!(ok.intact);
    assert_eq!(ok.events, 5);
    let mut conn = db(&server).await;
    // Edit one event's target in place.
    sqlx::query("UPDATE audit_events SET target = 'environment/z' WHERE seq = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = admin.verify_audit("acme").await.unwrap();
    assert!(!broken.intact);
    assert_eq!(broken.broken_at, Some(3));
    assert!(broken.reason.unwrap().contains("altered"));
    sqlx::query("UPDATE audit_events SET target = 'environment/b' WHERE seq = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(
        admin.verify_audit("acme").await.unwrap().intact,
        "restoring the row restores the chain"
    );
    // Delete the newest event: the head record gives it away.
    sqlx::query("DELETE FROM audit_events WHERE seq = 5")
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = admin.verify_audit("acme").await.unwrap();
    assert!(!broken.intact && broken.reason.unwrap().contains("deleted"));
    // Delete one in the middle.
    sqlx::query("DELETE FROM audit_events WHERE seq = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = admin.verify_audit("acme").await.unwrap();
    assert_eq!(broken.broken_at, Some(2));
}

async fn concurrent_resolves_keep_one_intact_chain(backend: Backend) {
    let one = TestServer::start(backend).await;
    let two = one.start_another().await;
    let admin = one.admin();
    // 120 different reads (identical ones would be counted into one event per window).
    let envs = ["dev", "qa", "staging", "prod", "perf", "demo"];
    for env in envs {
        admin.create_environment("acme", env).await.unwrap();
    }
    let providers: Vec<String> = admin
        .list_providers()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .take(20)
        .collect();
    assert_eq!(providers.len(), 20);
    let mut calls = Vec::new();
    for n in 0..120 {
        let client = if n % 2 == 0 {
            one.admin()
        } else {
            two.client(one.admin_token())
        };
        let (provider, env) = (providers[n % 20].clone(), envs[n / 20]);
        calls.push(tokio::spawn(async move {
            client.resolve("acme", &provider, env, None).await
        }));
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // Resolve events are group-committed without a wait; reading through a server waits for
    // its own queue, so read through both.
    two.client(one.admin_token())
        .audit_events("acme", None, None, Some(1))
        .await
        .unwrap();
    let events = admin
        .audit_events("acme", None, None, Some(1000))
        .await
        .unwrap();
    let resolves = events
        .iter()
        .filter(|e| e.action == "connection.resolve")
        .count();
    assert_eq!(resolves, 120, "every resolve is recorded once");
    let verdict = admin.verify_audit("acme").await.unwrap();
    assert!(verdict.intact, "{verdict:?}");
}

/// A token resolving in a loop writes one event per kind of read per window, plus one that
/// counts the repeats: the trail stays bounded and still says how often.
async fn repeated_reads_are_counted_not_each_recorded(backend: Backend) {
    let server = TestServer::start_adjusted(backend, |p| {
        p.with_read_audit_window(std::time::Duration::from_secs(1))
    })
    .await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let viewer = server.client(&server.viewer_token().await);
    for _ in 0..300 {
        viewer.resolve("acme", "aws", "dev", None).await.unwrap();
    }
    let resolves = |events: &[lanyard_api::AuditEvent]| {
        events
            .iter()
            .filter(|e| e.action == "connection.resolve")
            .cloned()
            .collect::<Vec<_>>()
    };
    let now = admin
        .audit_events("acme", None, None, Some(1000))
        .await
        .unwrap();
    assert_eq!(resolves(&now).len(), 1, "{:?}", resolves(&now));
    // When the window ends, the server records the count.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let counted = loop {
        let events = admin
            .audit_events("acme", None, None, Some(1000))
            .await
            .unwrap();
        let resolves = resolves(&events);
        if resolves.len() == 2 {
            break resolves;
        }
        assert!(std::time::Instant::now() < deadline, "{resolves:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let repeated: Vec<i64> = counted
        .iter()
        .filter_map(|e| e.details["repeated"].as_i64())
        .collect();
    assert_eq!(repeated, [299], "{counted:?}");
    assert!(admin.verify_audit("acme").await.unwrap().intact);
}

backend_tests!(
    every_change_resolve_and_release_is_recorded,
    verify_detects_edited_and_deleted_events,
    a_database_writer_without_the_key_cannot_rewrite_or_truncate,
    concurrent_resolves_keep_one_intact_chain,
    repeated_reads_are_counted_not_each_recorded,
    verify_pages_through_a_long_trail,
    pruning_keeps_the_rest_verifiable_and_a_deleted_start_is_found,
    verifying_since_a_checkpoint_reads_only_what_came_after,
);

/// What someone who can write the database (but lacks the master key) tries: rewrite an event
/// and recompute every later link as the old unkeyed chain did, or delete the newest events and
/// point the head at what is left. The first breaks the keyed links; the second is caught by a
/// checkpoint kept outside the database. Events written before the chain was keyed (the first
/// start's own, or a whole trail on an upgraded installation) stay verifiable.
async fn a_database_writer_without_the_key_cannot_rewrite_or_truncate(backend: Backend) {
    use sqlx::Row as _;
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["a", "b", "c", "d"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let checkpoint = admin.audit_checkpoint("acme").await.unwrap();
    assert_eq!(checkpoint.seq, 5);
    let mut conn = db(&server).await;
    let links: Vec<String> = sqlx::query("SELECT hash FROM audit_events ORDER BY seq")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("hash"))
        .collect();
    assert!(
        !links[0].starts_with("k1:"),
        "the first start's event predates the key"
    );
    assert!(links[1..].iter().all(|l| l.starts_with("k1:")), "{links:?}");

    // Rewrite event 3 and recompute the chain from there, then re-point the head.
    let rows = sqlx::query(
        "SELECT org_id, seq, at, actor, source, action, target, details FROM audit_events \
         WHERE seq >= 3 ORDER BY seq",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut prev = links[1].clone();
    for row in &rows {
        let seq: i64 = row.get("seq");
        let mut entry = lanyard_store::AuditEntry {
            org_id: row.get("org_id"),
            at: row.get("at"),
            actor: row.get("actor"),
            source: row.get("source"),
            action: row.get("action"),
            target: row.get("target"),
            details: row.get("details"),
        };
        if seq == 3 {
            entry.target = "environment/innocent".to_owned();
        }
        let hash = lanyard_store::audit_hash(&prev, seq, &entry);
        sqlx::query(
            "UPDATE audit_events SET target = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
        )
        .bind(&entry.target)
        .bind(&prev)
        .bind(&hash)
        .bind(seq)
        .execute(&mut conn)
        .await
        .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_heads SET hash = $1")
        .bind(&prev)
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = admin.verify_audit("acme").await.unwrap();
    assert!(!broken.intact, "a recomputed chain passed: {broken:?}");
    assert_eq!(broken.broken_at, Some(3), "{broken:?}");

    // Put the real events back, then cut the newest two and re-point the head at event 3.
    for (seq, link) in links.iter().enumerate().skip(2) {
        sqlx::query("UPDATE audit_events SET target = CASE WHEN seq = 3 THEN 'environment/b' ELSE target END, prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&links[seq - 1])
            .bind(link)
            .bind(i64::try_from(seq).unwrap() + 1)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE audit_heads SET hash = $1")
        .bind(&links[4])
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(admin.verify_audit("acme").await.unwrap().intact, "restored");
    sqlx::query("DELETE FROM audit_events WHERE seq > 3")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_heads SET seq = 3, hash = $1")
        .bind(&links[2])
        .execute(&mut conn)
        .await
        .unwrap();
    // Inside the database alone a clean cut looks whole; the checkpoint kept outside does not.
    assert!(admin.verify_audit("acme").await.unwrap().intact);
    let broken = admin
        .verify_audit_checkpoint("acme", &checkpoint)
        .await
        .unwrap();
    assert!(!broken.intact, "{broken:?}");
    assert!(broken.reason.unwrap().contains("checkpoint saw event 5"));

    // A checkpoint edited to claim less is refused.
    let forged = lanyard_api::AuditCheckpoint {
        seq: 3,
        ..checkpoint
    };
    let refused = admin
        .verify_audit_checkpoint("acme", &forged)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400), "{refused}");
}

/// A trail longer than one verification page verifies page by page, and a change in a later
/// page, or a deleted tail, is still found.
async fn verify_pages_through_a_long_trail(backend: Backend) {
    // Every resolve recorded (no counting window), to make a long trail quickly.
    let server = TestServer::start_adjusted(backend, |p| {
        p.with_read_audit_window(std::time::Duration::ZERO)
    })
    .await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    for _ in 0..1_100 {
        admin.resolve("acme", "aws", "dev", None).await.unwrap();
    }
    let ok = admin.verify_audit("acme").await.unwrap();
    assert!(ok.intact, "{ok:?}");
    assert!(ok.events > 1_100, "{ok:?}");
    let mut conn = db(&server).await;
    sqlx::query("UPDATE audit_events SET target = 'provider/gcp' WHERE seq = 1050")
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = admin.verify_audit("acme").await.unwrap();
    assert_eq!(broken.broken_at, Some(1050), "{broken:?}");
    sqlx::query("UPDATE audit_events SET target = 'provider/aws' WHERE seq = 1050")
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(admin.verify_audit("acme").await.unwrap().intact);
    let last = ok.events;
    sqlx::query(&format!("DELETE FROM audit_events WHERE seq = {last}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = admin.verify_audit("acme").await.unwrap();
    assert!(!broken.intact && broken.reason.unwrap().contains("deleted"));
}

/// A server whose trail ran to event 7 and was pruned through event 4 by an admin.
async fn pruned_trail(backend: Backend) -> TestServer {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["a", "b", "c", "d", "e", "f"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let pruned = admin.prune_audit("acme", 4).await.unwrap();
    assert_eq!((pruned.through, pruned.removed), (4, 4), "{pruned:?}");
    server
}

/// After an export, the oldest events can be removed: the rest verifies from the cut on, an
/// `audit.prune` event records it, and only admins may do it. A database writer who then
/// deletes more of the start, or rewrites the prune record to cover it, is found.
async fn pruning_keeps_the_rest_verifiable_and_a_deleted_start_is_found(backend: Backend) {
    let server = pruned_trail(backend).await;
    let admin = server.admin();
    let verdict = admin.verify_audit("acme").await.unwrap();
    assert!(verdict.intact, "{verdict:?}");
    let left = admin.export_audit("acme", 0, 100).await.unwrap();
    let seqs: Vec<i64> = left.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![5, 6, 7, 8], "{left:?}");
    assert_eq!(left[3].action, "audit.prune", "{left:?}");
    // Refusals: nothing to cut, the newest event, an already-pruned range, a viewer.
    for (through, status, says) in [
        (0, 400, "from 1 to 7"),
        (8, 400, "the newest stays"),
        (3, 409, "already pruned"),
    ] {
        let refused = admin.prune_audit("acme", through).await.unwrap_err();
        assert_eq!(refused.status(), Some(status), "{through}: {refused}");
        assert!(refused.to_string().contains(says), "{through}: {refused}");
    }
    let viewer = server.client(&server.viewer_token().await);
    let refused = viewer.prune_audit("acme", 6).await.unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused}");

    // What a database writer without the key tries, each on a fresh pruned trail.
    let attacks: [(&str, &[&str]); 2] = [
        (
            "delete the oldest remaining event",
            &["DELETE FROM audit_events WHERE seq = 5"],
        ),
        (
            "stretch the prune record over it",
            &[
                "UPDATE audit_events SET details = replace(details, '\"through\":4', '\"through\":5') \
                 WHERE action = 'audit.prune'",
                "UPDATE audit_events SET details = replace(details, \
                 (SELECT prev_hash FROM audit_events WHERE seq = 5), \
                 (SELECT hash FROM audit_events WHERE seq = 5)) WHERE action = 'audit.prune'",
                "DELETE FROM audit_events WHERE seq = 5",
            ],
        ),
    ];
    for (attack, statements) in attacks {
        let server = pruned_trail(backend).await;
        let admin = server.admin();
        let mut conn = db(&server).await;
        for statement in statements {
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
        let broken = admin.verify_audit("acme").await.unwrap();
        assert!(!broken.intact, "{attack}: {broken:?}");
    }
}

/// `since_checkpoint` resumes from a checkpoint this installation signed: what came after it is
/// verified (an edit there is found), what it covers is not read again (an edit there is left
/// to a full verification, which finds it).
async fn verifying_since_a_checkpoint_reads_only_what_came_after(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["a", "b", "c", "d"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let checkpoint = admin.audit_checkpoint("acme").await.unwrap();
    assert_eq!(checkpoint.seq, 5);
    for env in ["e", "f"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let resumed = admin
        .verify_audit_since_checkpoint("acme", &checkpoint)
        .await
        .unwrap();
    assert!(resumed.intact, "{resumed:?}");
    assert_eq!(resumed.events, 7, "{resumed:?}");
    let mut conn = db(&server).await;
    let edit = |seq: i64| {
        format!("UPDATE audit_events SET target = 'environment/innocent' WHERE seq = {seq}")
    };
    sqlx::query(&edit(3)).execute(&mut conn).await.unwrap();
    let full = admin.verify_audit("acme").await.unwrap();
    assert_eq!(full.broken_at, Some(3), "{full:?}");
    let resumed = admin
        .verify_audit_since_checkpoint("acme", &checkpoint)
        .await
        .unwrap();
    assert!(
        resumed.intact,
        "events up to the checkpoint are not read again: {resumed:?}"
    );
    sqlx::query(&edit(6)).execute(&mut conn).await.unwrap();
    let resumed = admin
        .verify_audit_since_checkpoint("acme", &checkpoint)
        .await
        .unwrap();
    assert_eq!(resumed.broken_at, Some(6), "{resumed:?}");
    // A checkpoint this installation did not sign cannot be resumed from.
    let forged = lanyard_api::AuditCheckpoint {
        seq: 6,
        ..checkpoint
    };
    let refused = admin
        .verify_audit_since_checkpoint("acme", &forged)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400), "{refused}");
}
