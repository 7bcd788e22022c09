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

-- The log is read newest first a page at a time, after the last (time, id) shown. (SQLite's indexes end with the
-- rowid, which is the id there, so its own script needs no id column.)
CREATE INDEX IF NOT EXISTS techmail_audit_tenant_page ON techmail_audit (tenant, at_utc, id);
CREATE INDEX IF NOT EXISTS techmail_audit_time_page ON techmail_audit (at_utc, id);
