-- Incidents and their threads. The tables are the record; the incident grain (one per reference) is the
-- single writer of its rows. message_key (the intake's key of the customer mail an entry came from) is
-- unique per tenant, so the same mail can never become two incidents or two entries. reply_text is, for a customer's
-- mail, what they wrote now (body without quoted history and signature); NULL for agent and system entries.

CREATE TABLE IF NOT EXISTS techmail_incidents
(
    tenant      TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    contact     TEXT    NOT NULL,
    mailbox     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    queue       TEXT    NULL,
    priority    TEXT    NULL,
    category    TEXT    NULL,
    assignee    TEXT    NULL,
    tags        TEXT    NOT NULL,
    rules_fired TEXT    NOT NULL,
    created_utc TEXT    NOT NULL,
    updated_utc TEXT    NOT NULL,
    PRIMARY KEY (tenant, reference)
);

CREATE INDEX IF NOT EXISTS techmail_incidents_updated ON techmail_incidents (tenant, updated_utc);
CREATE INDEX IF NOT EXISTS techmail_incidents_contact ON techmail_incidents (tenant, contact);

CREATE TABLE IF NOT EXISTS techmail_incident_entries
(
    tenant      TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    sender      TEXT    NULL,
    body        TEXT    NOT NULL,
    reply_text  TEXT    NULL,
    message_id  TEXT    NULL,
    message_key TEXT    NULL,
    created_utc TEXT    NOT NULL,
    PRIMARY KEY (tenant, reference, sequence)
);

CREATE UNIQUE INDEX IF NOT EXISTS techmail_incident_entries_key ON techmail_incident_entries (tenant, message_key);
CREATE INDEX IF NOT EXISTS techmail_incident_entries_message_id ON techmail_incident_entries (tenant, message_id);

CREATE TABLE IF NOT EXISTS techmail_incident_attachments
(
    tenant       TEXT    NOT NULL,
    reference    TEXT    NOT NULL,
    sequence     INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    inline       INTEGER NOT NULL,
    content_id   TEXT    NULL,
    content      BLOB    NOT NULL,
    PRIMARY KEY (tenant, reference, sequence, position)
);
