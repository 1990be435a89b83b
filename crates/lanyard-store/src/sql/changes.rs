//! PostgreSQL `LISTEN/NOTIFY` behind the [`ChangeFeed`]: announcing a change inside the
//! transaction that makes it, and one listener task per store that hears every server's.

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::Backend;
use crate::changes::{Change, ChangeFeed};
use crate::StoreResult;

/// The notification channel every Lanyard server on a database shares.
const CHANNEL: &str = "lanyard_changes";

/// How often the listener pings itself; a connection that lets three pings pass unheard is
/// treated as lost (a dead peer does not always close the socket).
const PING: Duration = Duration::from_secs(5);

/// Announces `change` on `conn`: inside a transaction, only when (and once) it commits.
pub(crate) async fn announce(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    change: Change,
) -> StoreResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(change.payload())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Listens for every server's announcements until the task is aborted, reconnecting after a
/// loss; the feed is not live between a loss and the next successful `LISTEN`.
pub(crate) fn spawn_listener(
    url: String,
    pool: sqlx::AnyPool,
    feed: ChangeFeed,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Dropped (and the pings stopped) when this task is aborted.
        let _pinger = AbortOnDrop(tokio::spawn(ping(pool)));
        loop {
            match listen(&url).await {
                Ok(mut listener) => {
                    feed.set_live(true);
                    tracing::debug!("listening for changes from other servers");
                    // Ends on a lost connection, an error, or three pings' silence.
                    while let Ok(Ok(Some(notification))) =
                        tokio::time::timeout(3 * PING, listener.try_recv()).await
                    {
                        if let Some(change) = Change::from_payload(notification.payload()) {
                            feed.publish(change);
                        }
                    }
                    feed.set_live(false);
                    tracing::warn!(
                        "lost the database connection that hears other servers' changes; \
                         caches are bypassed until it is back"
                    );
                }
                Err(error) => {
                    feed.set_live(false);
                    tracing::warn!(%error, "cannot listen for other servers' changes; retrying");
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

/// A task that ends with its owner.
pub(crate) struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Keeps the listener's connection provably alive.
async fn ping(pool: sqlx::AnyPool) {
    let mut tick = tokio::time::interval(PING);
    loop {
        tick.tick().await;
        let _ = sqlx::query("SELECT pg_notify($1, 'ping')")
            .bind(CHANNEL)
            .execute(&pool)
            .await;
    }
}
