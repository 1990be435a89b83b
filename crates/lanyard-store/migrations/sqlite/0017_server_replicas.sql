-- Servers on one database say they are alive, so each knows how many share the load: a
-- token's API rate limit is split among the live replicas instead of being multiplied by them.
CREATE TABLE server_replicas (
    id       TEXT PRIMARY KEY,
    seen_at  BIGINT NOT NULL
);
