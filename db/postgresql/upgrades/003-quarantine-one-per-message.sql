-- when: SELECT COUNT(*) = 0 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'techmail_quarantine_message'
-- One quarantine row per message: earlier builds added a row each time a failing batch was retried. The oldest row of
-- each message stays (an admin may have seen its id); the copies go.
DELETE FROM techmail_quarantine q USING techmail_quarantine older
WHERE q.tenant = older.tenant AND q.mailbox = older.mailbox AND q.message_key = older.message_key
  AND (older.created_utc, older.id) < (q.created_utc, q.id);

CREATE UNIQUE INDEX techmail_quarantine_message ON techmail_quarantine (tenant, mailbox, message_key);
