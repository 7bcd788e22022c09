-- Access tokens (techmail token create): only the SHA-256 of a token is kept, found by the token's public id part.
-- tenant is '' for an operator's token (the whole cluster). A name is unique among a tenant's live tokens, so a
-- revoked token's name may be given again while the revoked row stays for the record.

CREATE TABLE IF NOT EXISTS techmail_tokens
(
    id           TEXT NOT NULL PRIMARY KEY,
    hash         BYTEA NOT NULL,
    tenant       TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    read_secrets INTEGER NOT NULL,
    created_utc  TIMESTAMPTZ NOT NULL,
    expires_utc  TIMESTAMPTZ NULL,
    revoked_utc  TIMESTAMPTZ NULL,
    created_by   TEXT NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS techmail_tokens_live_name ON techmail_tokens (tenant, name) WHERE revoked_utc IS NULL;

-- The cluster's engine key: silos mark the calls they make from outside any grain with it (see AccessContext).
CREATE TABLE IF NOT EXISTS techmail_engine_key
(
    id     INTEGER NOT NULL PRIMARY KEY,
    secret BYTEA NOT NULL
);
