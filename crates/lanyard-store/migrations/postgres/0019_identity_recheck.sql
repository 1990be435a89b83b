-- When someone asked for a runner's identities to be checked now (`connection test` on a
-- runner-mode connection); the runner's next claim takes the request and clears it.
ALTER TABLE runners ADD COLUMN identity_recheck_at BIGINT;
