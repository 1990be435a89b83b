//! Per-token rate limits: a noisy token gets `429` with `Retry-After` and a message saying
//! why; every other token carries on.

use std::num::NonZeroU32;
use std::time::Duration;

use lanyard_testkit::{backend_tests, Backend, TestServer};

backend_tests!(
    a_noisy_token_is_slowed_down_alone,
    the_budget_is_split_among_replicas
);

async fn a_noisy_token_is_slowed_down_alone(backend: Backend) {
    let server =
        TestServer::start_adjusted(backend, |p| p.with_rate_limit(NonZeroU32::new(5).unwrap()))
            .await;
    let admin = server.admin();
    admin.create_environment("acme", "dev").await.unwrap();
    let viewer = server.viewer_token().await;
    let http = reqwest::Client::new();
    let resolve = format!(
        "{}/api/v1/orgs/acme/resolve?provider=aws&env=dev",
        server.url
    );
    let mut refused = None;
    for _ in 0..40 {
        let response = http
            .get(&resolve)
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
    }
    let refused = refused.expect("40 requests at once exceed 5 per second");
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After: {retry}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 5 per second"),
        "{body}"
    );
    // Another token is not slowed down by it.
    for _ in 0..5 {
        admin.resolve("acme", "aws", "dev", None).await.unwrap();
    }
    // After the wait the noisy token is served again.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let again = http
        .get(&resolve)
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

/// Behind a load balancer a token's requests spread over every replica: each allows its share
/// of the budget, so the token gets about the configured rate in total, not that rate times the
/// number of servers.
async fn the_budget_is_split_among_replicas(backend: Backend) {
    // Long enough that a loaded test machine never misses three heartbeats in a row (which
    // would count the other replica dead and restore the whole budget).
    let heartbeat = Duration::from_millis(300);
    let adjust = |p: lanyard_server::PreparedServer| {
        p.with_rate_limit(NonZeroU32::new(10).unwrap())
            .with_replica_heartbeat(heartbeat)
    };
    let one = TestServer::start_adjusted(backend, adjust).await;
    let http = reqwest::Client::new();
    let whoami = format!("{}/api/v1/whoami", one.url);
    let token = one.admin_token().to_owned();
    let served = |count: usize| {
        let (http, whoami, token) = (http.clone(), whoami.clone(), token.clone());
        async move {
            let mut ok = 0;
            for _ in 0..count {
                let status = http
                    .get(&whoami)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                ok += usize::from(status == 200);
            }
            ok
        }
    };
    // Alone, the server allows the whole burst (twice 10).
    tokio::time::sleep(5 * heartbeat).await;
    assert_eq!(served(16).await, 16);

    let _two = one.start_another_adjusted(adjust).await;
    tokio::time::sleep(5 * heartbeat).await;
    // Two live replicas: this one allows half (a burst of 10, and 5 more per second).
    let ok = served(16).await;
    assert!((10..=12).contains(&ok), "{ok} of 16 served");
}
