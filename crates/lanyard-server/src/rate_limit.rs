//! Per-token rate limits on the API: one noisy token (a viewer resolving in a loop, a runaway
//! script) is slowed down with `429 Too Many Requests` and `Retry-After`, while every other
//! token, the runners and the console carry on.
//!
//! Each bearer token is its own bucket (keyed by the token's SHA-256, so no token is kept in
//! memory); requests without one share a bucket per client address. Runner endpoints are not
//! limited here: a runner reports its jobs' output as often as they print, and only its own
//! token can do so.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Requests per second each token may make unless configured (with bursts of twice as many).
pub const DEFAULT_PER_SECOND: u32 = 50;

/// The API's rate limits; cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    /// The limiter of this server's share of the budget, replaced when the share changes.
    limiter: Arc<RwLock<Arc<DefaultKeyedRateLimiter<[u8; 32]>>>>,
    /// The budget per token across every replica.
    per_second: NonZeroU32,
    /// How many live replicas the budget is split among.
    replicas: Arc<AtomicU32>,
}

fn limiter(per_second: NonZeroU32) -> DefaultKeyedRateLimiter<[u8; 32]> {
    let burst = per_second.saturating_mul(NonZeroU32::MIN.saturating_add(1));
    DefaultKeyedRateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))
}

impl RateLimits {
    /// `per_second` requests per second per token, in bursts of up to twice that.
    pub fn new(per_second: NonZeroU32) -> Self {
        Self {
            limiter: Arc::new(RwLock::new(Arc::new(limiter(per_second)))),
            per_second,
            replicas: Arc::new(AtomicU32::new(1)),
        }
    }

    /// Splits the budget among `replicas` live servers: behind a load balancer a token's
    /// requests spread over all of them, so each allows its share (at least one per second)
    /// and the token gets about the configured rate in total, not that rate times the replicas.
    pub fn split_among(&self, replicas: u32) {
        let replicas = replicas.max(1);
        if self.replicas.swap(replicas, Ordering::AcqRel) == replicas {
            return;
        }
        let share = NonZeroU32::new(self.per_second.get() / replicas).unwrap_or(NonZeroU32::MIN);
        let fresh = Arc::new(limiter(share));
        match self.limiter.write() {
            Ok(mut current) => *current = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        tracing::info!(
            replicas,
            per_second = share.get(),
            "API rate limit share changed"
        );
    }

    fn current(&self) -> Arc<DefaultKeyedRateLimiter<[u8; 32]>> {
        match self.limiter.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Forgets buckets that are full again, so memory follows the tokens in use.
    pub fn forget_idle(&self) {
        let limiter = self.current();
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
}

fn key(request: &Request) -> [u8; 32] {
    let mut hash = Sha256::new();
    match request.headers().get(header::AUTHORIZATION) {
        Some(value) => hash.update(value.as_bytes()),
        None => {
            // Behind a trusted proxy, each client gets its own bucket, not the proxy's one.
            let peer = crate::origin::client_address(request.extensions());
            hash.update(b"anonymous:");
            hash.update(peer.as_bytes());
        }
    }
    hash.finalize().into()
}

/// The middleware: counts API requests per token and refuses the excess.
pub(crate) async fn limit(
    State(limits): State<RateLimits>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/v1/") || path.starts_with("/api/v1/runner/") {
        return next.run(request).await;
    }
    match limits.current().check_key(&key(&request)) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many requests with this token (at most {} per second); retry in \
                     {seconds} s",
                    limits.per_second
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            response
        }
    }
}
