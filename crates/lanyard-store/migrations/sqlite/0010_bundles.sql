-- Archives that travel with jobs: a directory uploaded for a job (`lanyard run --dir`) and the
-- artifacts a job leaves. Stored in parts, each sealed like a secret version; deleted when the
-- job ends (uploads) or when they expire.
CREATE TABLE bundles (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    job_id      TEXT REFERENCES jobs(id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    complete    BIGINT NOT NULL DEFAULT 0,
    parts       BIGINT NOT NULL DEFAULT 0,
    size        BIGINT NOT NULL DEFAULT 0,
    digest      TEXT,
    files       BIGINT NOT NULL DEFAULT 0,
    bytes       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bundles_job ON bundles (job_id);
CREATE INDEX bundles_expiry ON bundles (expires_at);

CREATE TABLE bundle_parts (
    bundle_id TEXT NOT NULL REFERENCES bundles(id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    sealed    BLOB NOT NULL,
    PRIMARY KEY (bundle_id, seq)
);

-- An organization's limits for uploaded directories (NULL: the server's defaults).
ALTER TABLE organizations ADD COLUMN upload_max_bytes BIGINT;
ALTER TABLE organizations ADD COLUMN upload_max_files BIGINT;
