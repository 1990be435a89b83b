-- Secrets (versioned, sealed), variables (plain), connections and what their fields reference.
CREATE TABLE secrets (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug            TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (org_id, slug)
);

CREATE TABLE secret_versions (
    secret_id  TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    key_id     TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (secret_id, version)
);
CREATE INDEX secret_versions_key ON secret_versions (key_id);

CREATE TABLE variables (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug       TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, slug)
);

CREATE TABLE connections (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug       TEXT NOT NULL,
    provider   TEXT NOT NULL,
    kind       TEXT,
    auth_mode  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, slug)
);

-- One row per field. A field holds a literal (non-secret) value, or references a secret or a
-- variable by id; the foreign keys make "delete a referenced secret" impossible at the database
-- level too, not only in the core's friendlier check.
CREATE TABLE connection_fields (
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    literal       TEXT,
    secret_id     TEXT REFERENCES secrets(id),
    variable_id   TEXT REFERENCES variables(id),
    PRIMARY KEY (connection_id, name)
);
CREATE INDEX connection_fields_secret ON connection_fields (secret_id);
CREATE INDEX connection_fields_variable ON connection_fields (variable_id);
