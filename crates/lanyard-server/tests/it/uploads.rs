//! Uploaded directories through the API, as a hostile client would send them: every archive is
//! checked on the server (whatever the CLI checked), an upload belongs to its token and
//! organization and serves one job, and nothing outlives its job or its expiry.

use lanyard_api::{CreateJob, GitRequest, UploadLimits};
use lanyard_bundle::crafted::{Crafted, EntryType};
use lanyard_client::Client;
use lanyard_store::{BundleStore as _, DatabaseUrl, OrgStore as _, SqlStore};
use lanyard_testkit::{backend_tests, Backend, TestServer};

backend_tests!(
    hostile_archives_are_refused_and_nothing_is_kept,
    an_upload_serves_one_job_of_its_own_token_and_goes_with_it,
    spent_and_expired_uploads_are_purged,
);

async fn upload(
    client: &Client,
    org: &str,
    archive: Vec<u8>,
) -> Result<lanyard_api::Upload, lanyard_client::ClientError> {
    let (sender, pieces) = lanyard_bundle::pipe::pipe();
    tokio::spawn(async move {
        for piece in archive.chunks(64 * 1024) {
            if sender.send(piece.to_vec()).await.is_err() {
                break;
            }
        }
    });
    client.upload(org, pieces).await
}

fn good_archive() -> Vec<u8> {
    Crafted::new()
        .entry("modules", EntryType::Directory, "", b"")
        .file("modules/main.tf", b"variable \"x\" {}\n")
        .file("main.tf", b"module \"m\" {}\n")
        .compressed()
}

fn job(upload: Option<String>) -> CreateJob {
    CreateJob {
        environment: "dev".into(),
        providers: vec![],
        connections: vec![],
        runner: None,
        git: None,
        timeout_secs: None,
        command: vec!["true".into()],
        upload,
        artifacts: vec![],
    }
}

async fn hostile_archives_are_refused_and_nothing_is_kept(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin
        .set_upload_limits(
            "acme",
            &UploadLimits {
                max_bytes: Some(1024 * 1024),
                max_files: Some(100),
            },
        )
        .await
        .unwrap();
    let many = (0..150).fold(Crafted::new(), |a, i| a.file(&format!("f{i}"), b"x"));
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "parent path",
            Crafted::new().file("../escaped", b"x").compressed(),
            400,
            "contains `..`",
        ),
        (
            "absolute path",
            Crafted::new().file("/etc/cron.d/x", b"x").compressed(),
            400,
            "absolute",
        ),
        (
            "outward symlink",
            Crafted::new()
                .entry("etc", EntryType::Symlink, "/etc", b"")
                .compressed(),
            400,
            "points outside",
        ),
        (
            "through a symlink",
            Crafted::new()
                .entry("d", EntryType::Directory, "", b"")
                .entry("l", EntryType::Symlink, "d", b"")
                .file("l/x", b"x")
                .compressed(),
            400,
            "below the symlink",
        ),
        (
            "device",
            Crafted::new()
                .entry("sda", EntryType::Block, "", b"")
                .compressed(),
            400,
            "block device",
        ),
        (
            "not an archive",
            b"PK\x03\x04 a zip file".to_vec(),
            400,
            "not a valid Lanyard archive",
        ),
        (
            "over the organization's size limit",
            Crafted::new()
                .file("big.bin", &vec![7u8; 2 * 1024 * 1024])
                .compressed(),
            413,
            "more than the limit of 1 MiB",
        ),
        (
            "over the file limit",
            many.compressed(),
            413,
            "more than the limit of 100",
        ),
    ];
    for (name, archive, status, expected) in cases {
        let refused = upload(&admin, "acme", archive).await.unwrap_err();
        assert_eq!(refused.status(), Some(status), "{name}: {refused}");
        assert!(refused.to_string().contains(expected), "{name}: {refused}");
    }
    let events = admin
        .audit_events("acme", None, None, Some(1000))
        .await
        .unwrap();
    assert!(
        !events.iter().any(|e| e.action == "upload.create"),
        "a refused upload was recorded as kept"
    );
    let accepted = upload(&admin, "acme", good_archive()).await.unwrap();
    assert_eq!(accepted.files, 3);
    assert!(accepted.digest.starts_with("sha256:"));
}

async fn an_upload_serves_one_job_of_its_own_token_and_goes_with_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let stranger = admin.create_organization("globex").await.unwrap();
    let stranger = server.client(stranger.admin_token.secret.expose_secret());
    stranger.create_environment("globex", "dev").await.unwrap();
    let id = upload(&admin, "acme", good_archive()).await.unwrap().id;

    // Another organization, and another token of the same organization, cannot use it.
    let refused = stranger
        .create_job("globex", &job(Some(id.clone())))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(404), "{refused}");
    let deployer = admin
        .create_token(
            "acme",
            &lanyard_api::CreateToken {
                role: lanyard_api::RoleName::Deployer,
                environments: vec![],
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let deployer = server.client(deployer.secret.expose_secret());
    let refused = deployer
        .create_job("acme", &job(Some(id.clone())))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(404), "{refused}");
    let with_git = CreateJob {
        git: Some(GitRequest {
            url: "https://github.com/acme/infra.git".into(),
            reference: None,
        }),
        ..job(Some(id.clone()))
    };
    let refused = admin.create_job("acme", &with_git).await.unwrap_err();
    assert!(refused.to_string().contains("choose one"), "{refused}");

    let first = admin
        .create_job("acme", &job(Some(id.clone())))
        .await
        .unwrap();
    let refused = admin
        .create_job("acme", &job(Some(id.clone())))
        .await
        .unwrap_err();
    assert!(
        matches!(refused.status(), Some(409) | Some(404)),
        "an upload served a second job: {refused}"
    );
    // When its job has ended the upload is deleted: it is no longer "in use" but gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while admin
        .get_job("acme", &first.id)
        .await
        .unwrap()
        .finished_at
        .is_none()
    {
        assert!(std::time::Instant::now() < deadline, "the job never ended");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ended = admin.get_job("acme", &first.id).await.unwrap();
    assert_eq!(ended.status, "succeeded", "{ended:?}");
    let gone = admin.create_job("acme", &job(Some(id))).await.unwrap_err();
    assert_eq!(gone.status(), Some(404), "{gone}");
}

async fn spent_and_expired_uploads_are_purged(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    let id = upload(&admin, "acme", good_archive()).await.unwrap().id;
    let url = match server.database().url() {
        Some(url) => DatabaseUrl::parse(&url).unwrap(),
        None => DatabaseUrl::sqlite_in(server.database().data_dir()),
    };
    let store = SqlStore::open(&url).await.unwrap();
    let org = store
        .find_org(&lanyard_domain::Slug::parse("acme").unwrap())
        .await
        .unwrap()
        .unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    assert_eq!(
        store.purge_bundles(now).await.unwrap(),
        0,
        "a fresh upload was purged"
    );
    assert!(store.find_bundle(&org.id, &id).await.unwrap().is_some());
    let in_two_hours = now + 2 * 3600 * 1000;
    assert_eq!(store.purge_bundles(in_two_hours).await.unwrap(), 1);
    assert!(store.find_bundle(&org.id, &id).await.unwrap().is_none());
    assert!(
        store.bundle_part(&id, 0).await.unwrap().is_none(),
        "its parts stayed"
    );
}
