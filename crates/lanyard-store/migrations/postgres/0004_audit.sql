-- The audit trail: one hash chain per organization. Each event's hash covers its content and the
-- previous event's hash; the head table records the newest event, so deleting the last events
-- is detected too.
CREATE TABLE audit_events (
    org_id    TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    source    TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_at ON audit_events (org_id, at);

CREATE TABLE audit_heads (
    org_id TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);
