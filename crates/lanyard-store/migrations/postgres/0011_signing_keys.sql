-- The OIDC issuer's signing keys (RS256), installation-wide: every replica signs with the newest
-- one and publishes all that are not past their grace period. Private keys are sealed by the
-- master key like secret versions.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    sealed      BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    -- When a newer key took over (NULL: the active key, or one of several made at once).
    retired_at  BIGINT
);
