-- An environment default whose connection was deleted. Resolution in that environment is then
-- an error naming the deleted connection until someone sets another default (or unsets it to
-- fall back to the organization default on purpose): never a silent switch to the
-- organization default.
CREATE TABLE vacated_defaults (
    environment_id  TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,
    connection_slug TEXT NOT NULL,
    vacated_at      BIGINT NOT NULL,
    PRIMARY KEY (environment_id, provider)
);
