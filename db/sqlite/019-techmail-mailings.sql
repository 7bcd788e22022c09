-- Mailings from Marketing mailboxes (issue 23). A mailing's recipients are rows written before anything is sent, each
-- with its state, so progress lives in the database and a silo killed mid-mailing resumes without sending anyone twice:
-- a recipient turns 'queued' in the same transaction that puts its mail in techmail_outbox under the dedupe key
-- outbox_key ('mailing:ID:INDEX:ATTEMPT'), and the outbox's own hand-over journal does the rest.
-- States: pending, duplicate (the address is earlier in the list), suppressed (invalid or opted out when its turn came),
-- queued (in the outbox), sent (the relay took it), retry (soft-bounced, waits for next_attempt_utc), bounced (hard),
-- failed (refused for good, or soft bounces beyond the retry window), cancelled.
-- techmail_mailing_events keeps each bounce, complaint and unsubscribe once per report (event_key), which is what makes
-- a bounce re-read after a crash count once.

CREATE TABLE IF NOT EXISTS techmail_mailings
(
    id                   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    tenant               TEXT    NOT NULL,
    mailbox              TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    request_id           TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    template             BLOB    NOT NULL,
    fields               TEXT    NOT NULL,
    rate_per_minute      INTEGER NULL,
    retry_window_seconds INTEGER NOT NULL,
    listed               INTEGER NOT NULL,
    created_utc          TEXT    NOT NULL,
    started_utc          TEXT    NULL,
    finished_utc         TEXT    NULL,
    updated_utc          TEXT    NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS techmail_mailings_request ON techmail_mailings (tenant, request_id);
CREATE INDEX IF NOT EXISTS techmail_mailings_listing ON techmail_mailings (tenant, id);

CREATE TABLE IF NOT EXISTS techmail_mailing_recipients
(
    mailing_id       INTEGER NOT NULL,
    idx              INTEGER NOT NULL,
    address          TEXT    NOT NULL,
    address_key      TEXT    NOT NULL,
    fields           TEXT    NULL,
    state            TEXT    NOT NULL,
    detail           TEXT    NULL,
    attempts         INTEGER NOT NULL,
    outbox_key       TEXT    NULL,
    message_id       TEXT    NULL,
    next_attempt_utc TEXT    NULL,
    first_sent_utc   TEXT    NULL,
    sent_utc         TEXT    NULL,
    complained       INTEGER NOT NULL,
    unsubscribed     INTEGER NOT NULL,
    updated_utc      TEXT    NOT NULL,
    PRIMARY KEY (mailing_id, idx)
);

CREATE INDEX IF NOT EXISTS techmail_mailing_recipients_state ON techmail_mailing_recipients (mailing_id, state, idx);
CREATE INDEX IF NOT EXISTS techmail_mailing_recipients_address ON techmail_mailing_recipients (mailing_id, address_key);

CREATE TABLE IF NOT EXISTS techmail_mailing_events
(
    mailing_id   INTEGER NOT NULL,
    idx          INTEGER NOT NULL,
    event_key    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    reason       TEXT    NULL,
    detail       TEXT    NULL,
    attempt      INTEGER NOT NULL,
    received_utc TEXT    NOT NULL,
    PRIMARY KEY (mailing_id, idx, event_key)
);
