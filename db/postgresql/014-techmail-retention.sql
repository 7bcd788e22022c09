-- Retention (Techmail:*RetentionDays): what the silo-wide sweep keeps bounded.
-- A removed mailbox's rows (trace, waiting mail, quarantine, outbox) stay this many days after its removal, so a
-- mailbox removed by mistake and added again finds its message keys; re-adding it deletes the row here.

CREATE TABLE IF NOT EXISTS techmail_removed_mailboxes
(
    tenant      TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    removed_utc TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, mailbox)
);

-- Only the rows still holding a body: those already emptied drop out, so a sweep never reads them again.
CREATE INDEX IF NOT EXISTS techmail_outbox_sent_bodies ON techmail_outbox (sent_utc) WHERE state = 'sent' AND octet_length(raw) > 0;
CREATE INDEX IF NOT EXISTS techmail_quarantine_dropped_bodies ON techmail_quarantine (id) WHERE state = 'Dropped' AND octet_length(raw) > 0;
