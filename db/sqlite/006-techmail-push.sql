-- Mailboxes in push mode (IMAP IDLE), so a starting silo can wake them at once instead of at their first
-- reminder tick. Written by the mailbox grain when push is turned on or off; one row a push mailbox.

CREATE TABLE IF NOT EXISTS techmail_push_mailboxes
(
    tenant  TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    PRIMARY KEY (tenant, mailbox)
);
