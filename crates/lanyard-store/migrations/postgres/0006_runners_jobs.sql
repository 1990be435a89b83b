-- Runners (agents that execute jobs), jobs, their redacted output, and credential releases.
CREATE TABLE runners (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    is_default   BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT,
    UNIQUE (org_id, slug)
);

-- runner_id NULL means the server's built-in runner. The runner's name is copied so that a job
-- still says where it ran after its runner is deleted.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    environment      TEXT NOT NULL,
    runner_id        TEXT,
    runner           TEXT,
    spec             TEXT NOT NULL,
    status           TEXT NOT NULL,
    exit_code        BIGINT,
    error            TEXT,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    heartbeat_at     BIGINT,
    cancel_requested BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_org_created ON jobs (org_id, created_at);
CREATE INDEX jobs_status ON jobs (status, runner_id, created_at);

-- Output, already redacted by the runner, in the order it was emitted.
CREATE TABLE job_output (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    stream TEXT NOT NULL,
    data   BYTEA NOT NULL,
    at     BIGINT NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- Every release of a connection's credentials to a job: the answer to "where is this used".
CREATE TABLE credential_releases (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    job_id        TEXT NOT NULL,
    environment   TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    connection    TEXT NOT NULL,
    provider      TEXT NOT NULL,
    runner        TEXT,
    secrets       TEXT NOT NULL,
    released_at   BIGINT NOT NULL
);
CREATE INDEX credential_releases_connection ON credential_releases (org_id, connection_id, released_at);
