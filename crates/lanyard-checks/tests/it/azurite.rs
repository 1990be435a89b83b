//! Azure Blob Storage's Shared Key check against a real peer: Azurite (Microsoft's storage
//! emulator, from npm; `scripts/test-deps` installs it under `$LANYARD_TEST_NPM/azurite`), with
//! its well-known development account. The check lists the container; the emulator verifies
//! the signature as the service does.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use lanyard_checks::{Checker, Outcome};
use lanyard_providers::ResolvedFields;
use sha2::Sha256;

/// Azurite's development account and key, as its README publishes them.
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

struct Azurite {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Azurite {
    fn start() -> Self {
        let root = std::env::var("LANYARD_TEST_NPM").unwrap_or_else(|_| "/opt/lanyard-npm".into());
        let bin = format!("{root}/azurite/node_modules/.bin/azurite-blob");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--silent", "--disableTelemetry", "--location"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} runs (scripts/test-deps installs Azurite): {e}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Azurite did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    /// The account's path-style endpoint, as emulators are addressed.
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// Creates a container (Create Container, signed with the account key by this test's own
    /// signer for `PUT …?restype=container`).
    async fn create_container(&self, name: &str) {
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let version = "2021-08-06";
        let to_sign = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n\
             /{ACCOUNT}/{ACCOUNT}/{name}\nrestype:container"
        );
        let key = base64::engine::general_purpose::STANDARD
            .decode(KEY)
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let created = reqwest::Client::new()
            .put(format!("{}/{name}?restype=container", self.url()))
            .header("x-ms-date", date)
            .header("x-ms-version", version)
            .header("content-length", "0")
            .header("authorization", format!("SharedKey {ACCOUNT}:{signature}"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201, "{:?}", created.text().await);
    }
}

/// A Pulumi `azblob` backend connection: the right key reads the container, a wrong key is
/// wrong credentials, a missing container is named.
#[tokio::test]
async fn pulumi_blob_backends_are_checked_against_azurite() {
    let azurite = Azurite::start();
    azurite.create_container("pulumi-state").await;
    let checker = Checker::new()
        .unwrap()
        .with_base("azure-blob", azurite.url());
    let wrong_key = base64::engine::general_purpose::STANDARD.encode("not-the-account-key-PLANTED");
    let cases = [
        (
            "pulumi-state",
            KEY,
            Outcome::Ok,
            "let the credential read container pulumi-state",
        ),
        (
            "pulumi-state",
            wrong_key.as_str(),
            Outcome::WrongCredentials,
            "refused the account key",
        ),
        (
            "missing",
            KEY,
            Outcome::NotFound,
            "has no container missing",
        ),
    ];
    for (container, key, outcome, says) in cases {
        let values = ResolvedFields::new()
            .with("storage_account_name", ACCOUNT)
            .with("blob_storage_container", container)
            .with("storage_account_key", key)
            .with("secrets_passphrase", "passphrase-PLANTED");
        let verdict = checker
            .check("pulumi-backend", Some("azurerm"), &values)
            .await;
        assert_eq!(verdict.outcome, outcome, "{container}: {}", verdict.message);
        assert!(verdict.message.contains(says), "{}", verdict.message);
        assert!(!verdict.message.contains(key), "{}", verdict.message);
    }
}
