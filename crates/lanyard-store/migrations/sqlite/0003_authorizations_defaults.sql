-- Where a connection may be used (its authorization) and which connection is the default.
CREATE TABLE authorizations (
    connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    scope         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- The listed environments of an environment-scoped authorization. Deleting an environment
-- removes it from every list by cascade.
CREATE TABLE authorization_environments (
    connection_id  TEXT NOT NULL REFERENCES authorizations(connection_id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    PRIMARY KEY (connection_id, environment_id)
);

-- One default per provider for the organization ...
CREATE TABLE org_defaults (
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (org_id, provider)
);

-- ... and one per provider and environment.
CREATE TABLE env_defaults (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    provider       TEXT NOT NULL,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (environment_id, provider)
);
CREATE INDEX env_defaults_org ON env_defaults (org_id, provider);
