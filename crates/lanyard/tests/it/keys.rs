//! `lanyard keys generate|status|rotate` end to end: a rotation to a generated key with the old
//! key retired, after which the new key alone starts the server and the old one is refused.

use base64::Engine as _;

use crate::support::{random_master_key, Backend, Sandbox};

lanyard_testkit::backend_tests!(a_generated_key_takes_over_after_keys_rotate);

async fn a_generated_key_takes_over_after_keys_rotate(backend: Backend) {
    let mut sandbox = Sandbox::new(backend).await;
    let old_key = random_master_key();
    sandbox.master_key = Some(old_key.clone());
    let server = sandbox.start(&[]);
    for n in 0..3 {
        let name = format!("s{n}");
        sandbox
            .run(&["secret", "set", &name, &format!("planted-value-{n}")])
            .ok();
    }
    server.stop().ok();

    // `keys generate` needs no server and prints nothing but a fresh 32-byte key.
    let generated = sandbox.run(&["keys", "generate"]).ok();
    assert!(generated.stderr.is_empty(), "{generated:?}");
    let new_key = generated.stdout.trim().to_owned();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&new_key)
        .expect("base64");
    assert_eq!(bytes.len(), 32);
    let again = sandbox.run(&["keys", "generate"]).ok();
    assert_ne!(again.stdout.trim(), new_key);

    let old_file = sandbox.home().join("old.key");
    std::fs::write(&old_file, &old_key).unwrap();
    let retired = old_file.to_str().unwrap();
    sandbox.master_key = Some(new_key.clone());
    let server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[("LANYARD_RETIRED_MASTER_KEY_FILES", retired)],
        )
        .unwrap_or_else(|out| panic!("the rotating server did not start: {out:?}"));
    let url = server.url();
    let status = sandbox.run(&["--server", &url, "keys", "status"]).ok();
    assert!(status.stdout.contains("retired"), "{status:?}");
    assert!(status.stderr.contains("lanyard keys rotate"), "{status:?}");

    // Not a terminal: no progress bar, just the summary.
    let rotated = sandbox
        .run(&["--server", &url, "keys", "rotate", "--batch", "2"])
        .ok();
    assert!(
        rotated.stdout.contains("Re-wrapped 3 secret versions"),
        "{rotated:?}"
    );
    assert!(rotated.stderr.is_empty(), "{rotated:?}");
    let again = sandbox
        .run(&["--server", &url, "keys", "rotate", "-o", "json"])
        .json();
    assert_eq!(again["done"], true, "{again}");
    assert_eq!(again["rewrapped"], 0, "{again}");
    let status = sandbox
        .run(&["--server", &url, "keys", "status", "-o", "json"])
        .json();
    assert_eq!(status["check_value_is_active"], true, "{status}");
    assert_eq!(status["keys"].as_array().map(Vec::len), Some(1), "{status}");
    assert_eq!(status["keys"][0]["versions"], 3, "{status}");
    // Every step is on the administrator's audit trail, with what it re-wrapped.
    let trail = sandbox
        .run(&["--server", &url, "audit", "list", "-o", "json"])
        .json();
    let rewrapped: i64 = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "keys.rotate")
        .map(|e| e["details"]["rewrapped"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(rewrapped, 3, "{trail}");
    let log = server.stop().ok();
    for text in [
        &log.stdout,
        &log.stderr,
        &rotated.stdout,
        &status.to_string(),
    ] {
        for planted in [&old_key, &new_key, "planted-value"] {
            assert!(!text.contains(planted), "leaked: {text}");
        }
    }

    // The new key alone now starts the server; the old key alone is refused.
    let server = sandbox.start(&[]);
    let status = sandbox
        .run(&["--server", &server.url(), "keys", "status", "-o", "json"])
        .json();
    assert_eq!(status["keys"][0]["state"], "active", "{status}");
    server.stop().ok();
    sandbox.master_key = Some(old_key.clone());
    let refused = match sandbox.try_start("127.0.0.1:0", &[], &[]) {
        Ok(server) => panic!("the old key started the server: {:?}", server.stop()),
        Err(out) => out,
    };
    let line = refused.server_error_line();
    assert!(line.contains("does not match this database"), "{line}");
    assert!(!line.contains(&old_key), "{line}");
}
