-- Techmail's intake records: the trace of every message taken off a server (also the record of
-- message keys already handled), the accepted messages waiting for intake, and the quarantine.

CREATE TABLE IF NOT EXISTS techmail_message_trace
(
    tenant       TEXT    NOT NULL,
    mailbox      TEXT    NOT NULL,
    message_key  TEXT    NOT NULL,
    server_uid   TEXT    NOT NULL,
    message_id   TEXT    NULL,
    sender       TEXT    NULL,
    subject      TEXT    NULL,
    size_bytes   INTEGER NOT NULL,
    verdict      TEXT    NOT NULL,
    reason       TEXT    NULL,
    recorded_utc TEXT    NOT NULL,
    PRIMARY KEY (tenant, mailbox, message_key)
);

-- The trace is read newest first a page at a time, continuing after the last (time, message key) shown.
CREATE INDEX IF NOT EXISTS techmail_message_trace_page ON techmail_message_trace (tenant, mailbox, recorded_utc, message_key);

CREATE TABLE IF NOT EXISTS techmail_inbound
(
    tenant       TEXT    NOT NULL,
    mailbox      TEXT    NOT NULL,
    message_key  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    received_utc TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    -- Why the last try to build it failed while it waits (an outage: the mail is kept and tried again), and where.
    failure       TEXT    NULL,
    failure_stage TEXT    NULL,
    failure_utc   TEXT    NULL,
    PRIMARY KEY (tenant, mailbox, message_key)
);

-- The bytes apart from the row intake keeps changing: SQLite rewrites a whole row, overflow pages and all, when a
-- value in it changes size (state 'pending' to 'done'), and reads through them to reach a column stored after them.
CREATE TABLE IF NOT EXISTS techmail_inbound_raw
(
    tenant       TEXT    NOT NULL,
    mailbox      TEXT    NOT NULL,
    message_key  TEXT    NOT NULL,
    raw          BLOB    NOT NULL,
    PRIMARY KEY (tenant, mailbox, message_key)
);

CREATE TABLE IF NOT EXISTS techmail_quarantine
(
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant      TEXT    NOT NULL,
    mailbox     TEXT    NOT NULL,
    message_key TEXT    NOT NULL,
    server_uid  TEXT    NOT NULL,
    sender      TEXT    NULL,
    subject     TEXT    NULL,
    size_bytes  INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    raw         BLOB    NOT NULL,
    state       TEXT    NOT NULL,
    -- The stage that set the message aside: poll, screening, intake, incident-builder, bounce-intake, outbox.
    stage       TEXT    NOT NULL DEFAULT 'intake',
    created_utc TEXT    NOT NULL,
    -- When an admin dropped or reprocessed it: the retention of a dropped message's bytes counts from then.
    resolved_utc TEXT    NULL
);

-- Quarantine lists, of a tenant or of one mailbox, are read newest first a page at a time after the last (time, id) shown.
CREATE INDEX IF NOT EXISTS techmail_quarantine_page ON techmail_quarantine (tenant, created_utc, id);
CREATE INDEX IF NOT EXISTS techmail_quarantine_mailbox_page ON techmail_quarantine (tenant, mailbox, created_utc, id);
