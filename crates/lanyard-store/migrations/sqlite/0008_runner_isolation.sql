-- Runners report how they isolate jobs (sandbox, unsandboxed, unavailable and why), so that
-- `runner list` and the console show it.
ALTER TABLE runners ADD COLUMN isolation TEXT;
