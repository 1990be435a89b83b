-- What the last live check of a connection said (one or two sentences, never a secret), next to
-- its verdict and time; whether it is due for another check now (a secret it uses changed);
-- and how often an organization's connections are re-checked (NULL: daily).
ALTER TABLE connections ADD COLUMN verification_message TEXT;
ALTER TABLE connections ADD COLUMN check_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN check_interval_secs BIGINT;
-- The scheduler's query: due ones first, then the oldest checks.
CREATE INDEX connections_check ON connections (check_due, last_verified_at);
