-- What each runner found when it checked its own identity per provider (runner mode): a JSON
-- array of {provider, verdict, identity, message, checked_at}, replaced whole at each report.
-- Never a secret: verdicts and messages are masked by the runner and again by the server.
ALTER TABLE runners ADD COLUMN identity_checks TEXT;
