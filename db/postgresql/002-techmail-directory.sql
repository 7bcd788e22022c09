-- Techmail's own read model: the mailbox directory, one row a mailbox, written by the tenant grain.

CREATE TABLE IF NOT EXISTS techmail_mailbox_directory
(
    tenant                TEXT    NOT NULL,
    mailbox               TEXT    NOT NULL,
    mailbox_type          BIGINT  NOT NULL,
    enabled               BIGINT  NOT NULL,
    direction             BIGINT  NOT NULL,
    incoming_account      TEXT    NULL,
    envelope_from         TEXT    NULL,
    poll_interval_seconds BIGINT  NOT NULL,
    updated_utc           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, mailbox)
);

CREATE INDEX IF NOT EXISTS techmail_mailbox_directory_account ON techmail_mailbox_directory (tenant, incoming_account);
