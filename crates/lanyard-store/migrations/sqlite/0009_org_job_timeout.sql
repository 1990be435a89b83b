-- An organization's default job timeout in seconds (NULL: none); a job's own --timeout wins.
ALTER TABLE organizations ADD COLUMN job_timeout_secs BIGINT;
