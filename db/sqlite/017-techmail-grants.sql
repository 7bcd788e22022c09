-- The OAuth grant a person gave a mailbox (delegated consent): one row per mailbox, written only by its
-- MailboxGrantGrain. Tokens are sealed with the key ring like mailbox passwords. needs_reconnecting_unix is set when
-- the provider refused a refresh (revoked or expired consent) and cleared by the next connect; the metric
-- techmail_mailbox_needs_reconnecting counts those rows. Times are Unix seconds.

CREATE TABLE IF NOT EXISTS techmail_mailbox_grants
(
    tenant                  TEXT    NOT NULL,
    mailbox                 TEXT    NOT NULL,
    refresh_token           TEXT,
    access_token            TEXT,
    access_expires_unix     INTEGER,
    access_issued_unix      INTEGER,
    account                 TEXT,
    scopes                  TEXT,
    connected_unix          INTEGER NOT NULL,
    refreshed_unix          INTEGER,
    needs_reconnecting_unix INTEGER,
    problem                 TEXT,
    PRIMARY KEY (tenant, mailbox)
);
