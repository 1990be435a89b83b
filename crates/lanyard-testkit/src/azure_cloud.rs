//! A custom Azure cloud for the Azure CLI (`azure_cloud.py`, run with the test virtualenv's
//! Python): Resource Manager metadata, an Entra ID tenant that knows one service principal, and
//! the subscription it may use, over HTTPS with a self-signed certificate (the connection's
//! `ca_bundle`). Every request it answered is in [`AzureCloud::requests`].

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const TENANT: &str = "00000000-0000-4000-8000-0000000000aa";
pub const SUBSCRIPTION: &str = "00000000-0000-4000-8000-0000000000bb";
pub const CLIENT_ID: &str = "00000000-0000-4000-8000-00000000c1d0";

pub struct AzureCloud {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for AzureCloud {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Azure CLI of the test virtualenv `scripts/test-deps` makes for it
/// (`$LANYARD_TEST_AZ_VENV`, default `/opt/lanyard-az`).
pub fn az_bin() -> PathBuf {
    std::env::var_os("LANYARD_TEST_AZ_VENV")
        .map_or_else(|| PathBuf::from("/opt/lanyard-az"), PathBuf::from)
        .join("bin/az")
}

impl AzureCloud {
    /// Starts the cloud; its service principal is [`CLIENT_ID`] with `secret`.
    #[track_caller]
    pub fn start(secret: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        crate::tls::self_signed_for_loopback(dir.path());
        let script = dir.path().join("azure_cloud.py");
        std::fs::write(&script, include_str!("azure_cloud.py")).expect("write the peer");
        let port = crate::free_port();
        let child = Command::new(crate::moto::venv_bin("python"))
            .arg(&script)
            .arg(port.to_string())
            .arg(dir.path().join("cert.pem"))
            .arg(dir.path().join("key.pem"))
            .args([TENANT, SUBSCRIPTION, CLIENT_ID, secret])
            .arg(dir.path().join("requests.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test virtualenv's python (scripts/test-deps)");
        crate::wait_for_listener(port, Duration::from_secs(20), || {
            "the Azure cloud peer did not listen within 20 s".to_owned()
        });
        Self { child, port, dir }
    }

    /// Its Resource Manager endpoint.
    pub fn resource_manager(&self) -> String {
        format!("https://127.0.0.1:{}/", self.port)
    }

    /// Its certificate (PEM), to trust through a connection's `ca_bundle`.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// The requests it answered, one line each (`GET /subscriptions bearer`, `POST … granted`).
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}
