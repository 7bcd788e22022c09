-- when: SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('techmail_message_trace_time', 'techmail_quarantine_mailbox', 'techmail_bounces_time')
-- Databases made before the lists were paged by keyset: the create scripts have added the indexes that end with the
-- whole sort key; the ones they replace (a prefix of each) would only slow the writes down.
DROP INDEX IF EXISTS techmail_message_trace_time;
DROP INDEX IF EXISTS techmail_quarantine_mailbox;
DROP INDEX IF EXISTS techmail_bounces_time;
