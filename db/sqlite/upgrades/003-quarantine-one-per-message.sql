-- when: SELECT COUNT(*) = 0 FROM sqlite_master WHERE type = 'index' AND name = 'techmail_quarantine_message'
-- One quarantine row per message: earlier builds added a row each time a failing batch was retried. The oldest row of
-- each message stays (an admin may have seen its id); the copies go.
DELETE FROM techmail_quarantine WHERE EXISTS (
    SELECT 1 FROM techmail_quarantine older
    WHERE older.tenant = techmail_quarantine.tenant AND older.mailbox = techmail_quarantine.mailbox
      AND older.message_key = techmail_quarantine.message_key
      AND (older.created_utc < techmail_quarantine.created_utc
           OR (older.created_utc = techmail_quarantine.created_utc AND older.id < techmail_quarantine.id)));

CREATE UNIQUE INDEX techmail_quarantine_message ON techmail_quarantine (tenant, mailbox, message_key);
