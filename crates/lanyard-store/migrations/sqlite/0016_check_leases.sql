-- Scheduled connection checks are claimed, not just read: a server takes a lease on the
-- connections it will check, so replicas never check (and call a provider about) the same
-- connection twice. A server that dies mid-check loses nothing: its lease runs out.
ALTER TABLE connections ADD COLUMN check_lease_until BIGINT;
