-- The instance administrator: the token the first start printed, which alone creates and
-- deletes organizations. Organization admins administer their own organization only.
ALTER TABLE api_tokens ADD COLUMN instance_admin BIGINT NOT NULL DEFAULT 0;
-- An existing installation's first start token: the oldest admin token of the oldest
-- organization (the bootstrap wrote both in one transaction).
UPDATE api_tokens SET instance_admin = 1 WHERE id = (
    SELECT t.id FROM api_tokens t JOIN organizations o ON o.id = t.org_id
    WHERE t.role = 'admin'
    ORDER BY o.created_at, o.id, t.created_at, t.id
    LIMIT 1
);
