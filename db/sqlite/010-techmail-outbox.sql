-- The durable outbox: mail each mailbox sends (acknowledgements, replies), queued until its relay takes it.
-- dedupe_key is unique per tenant when set, so the same acknowledgement can never be queued twice; rows
-- without one are all distinct (NULLs never collide in a unique index). recipients is a JSON array.
-- message_id is the mail's Message-ID (lower case, no angle brackets): a bounce or complaint that returns it is tied
-- to this mail, and only a tied report may change an address. Its index is made by an upgrade step, which runs for
-- new and old databases alike.

CREATE TABLE IF NOT EXISTS techmail_outbox
(
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    tenant           TEXT    NOT NULL,
    mailbox          TEXT    NOT NULL,
    dedupe_key       TEXT    NULL,
    reference        TEXT    NULL,
    envelope_from    TEXT    NOT NULL,
    recipients       TEXT    NOT NULL,
    raw              BLOB    NOT NULL,
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_utc TEXT    NOT NULL,
    last_error       TEXT    NULL,
    created_utc      TEXT    NOT NULL,
    sent_utc         TEXT    NULL,
    updated_utc      TEXT    NOT NULL,
    message_id       TEXT    NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS techmail_outbox_dedupe ON techmail_outbox (tenant, dedupe_key);
CREATE INDEX IF NOT EXISTS techmail_outbox_due ON techmail_outbox (tenant, mailbox, state, next_attempt_utc, id);
CREATE INDEX IF NOT EXISTS techmail_outbox_listing ON techmail_outbox (tenant, state, id);
