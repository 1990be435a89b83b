-- The (org_id, at) index cost every audit append a second B-tree insert; listing by time walks
-- the (org_id, seq) primary key from the newest event instead.
DROP INDEX audit_events_at;
