//! The runner's liveness endpoint: 200 while its server answers its claims, 503 while it cannot
//! reach one, 404 elsewhere; what a Kubernetes liveness probe reads.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(the_runner_reports_its_health_for_probes);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

/// The status line of `GET path`, once the endpoint answers at all.
fn status(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let mut answer = String::new();
            if write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && !answer.is_empty()
            {
                return answer.lines().next().unwrap_or_default().to_owned();
            }
        }
        assert!(Instant::now() < deadline, "no health endpoint on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls until `GET /healthz` gives `want`.
fn wait_for(port: u16, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !status(port, "/healthz").contains(want) {
        assert!(Instant::now() < deadline, "/healthz never said {want}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

async fn the_runner_reports_its_health_for_probes(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    let credentials = sandbox.register_runner("edge");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let start = [
        "runner",
        "start",
        "--credentials-file",
        &credentials,
        "--health-listen",
        &listen,
    ];
    let runner = sandbox.spawn(&start, &[]);
    wait_for(port, "200 OK");
    assert!(status(port, "/metrics").contains("404"));
    drop(runner);

    // The same runner pointed at a server that is not there: never healthy.
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).unwrap()).unwrap();
    document["server_url"] = "http://127.0.0.1:9".into();
    let lost = sandbox.home().join("lost.json");
    std::fs::write(&lost, document.to_string()).unwrap();
    std::fs::set_permissions(&lost, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let lost_path = lost.to_str().unwrap();
    let start = [
        "runner",
        "start",
        "--credentials-file",
        lost_path,
        "--health-listen",
        &listen,
    ];
    let _lost = sandbox.spawn(&start, &[]);
    wait_for(port, "503 Service Unavailable");
}
