-- The audit log: every change an admin (or the engine) made to a tenant's configuration, with the settings before and
-- after as JSON, secrets masked. Rows are only ever added; nothing in the engine deletes them.

CREATE TABLE IF NOT EXISTS techmail_audit
(
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_utc      TIMESTAMPTZ NOT NULL,
    tenant      TEXT        NOT NULL,
    actor       TEXT        NOT NULL,
    action      TEXT        NOT NULL,
    subject     TEXT        NOT NULL,
    before_json TEXT        NULL,
    after_json  TEXT        NULL
);

CREATE INDEX IF NOT EXISTS techmail_audit_tenant ON techmail_audit (tenant, at_utc);
CREATE INDEX IF NOT EXISTS techmail_audit_time ON techmail_audit (at_utc);
