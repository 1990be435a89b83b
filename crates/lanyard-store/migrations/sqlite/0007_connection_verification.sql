-- Cross-account connections wait in state 'pending' until their IAM role is checked; every
-- connection records when it was last verified against its provider, and the verdict. Runners
-- report the AWS identity their credential chain finds, which runner-mode connections use.
ALTER TABLE connections ADD COLUMN state TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE connections ADD COLUMN last_verified_at BIGINT;
ALTER TABLE connections ADD COLUMN verdict TEXT;
ALTER TABLE runners ADD COLUMN aws_identity TEXT;
