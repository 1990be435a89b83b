-- Console sessions live in the database, so that any replica serves any request. The cookie
-- holds a random 256-bit id; only its SHA-256 is stored here. A session acts as the API token it
-- was opened with and ends with it (a revoked token's sessions no longer match).
CREATE TABLE console_sessions (
    id_hash     TEXT PRIMARY KEY,
    token_id    TEXT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    -- The message the next page shows once (JSON), after a form's redirect.
    flash       TEXT
);
CREATE INDEX console_sessions_token ON console_sessions (token_id);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- A cross-account setup's CloudFormation template and console link, kept for the session that
-- started it: both embed the external id, so they are sealed by the master key.
CREATE TABLE console_setups (
    session_hash TEXT NOT NULL REFERENCES console_sessions(id_hash) ON DELETE CASCADE,
    connection   TEXT NOT NULL,
    role_name    TEXT NOT NULL,
    sealed       BLOB NOT NULL,
    PRIMARY KEY (session_hash, connection)
);
