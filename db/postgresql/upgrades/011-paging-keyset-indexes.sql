-- when: SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN ('techmail_message_trace_time', 'techmail_quarantine_mailbox', 'techmail_bounces_time', 'techmail_audit_tenant', 'techmail_audit_time')
-- Databases made before the lists were paged by keyset: the create scripts have added the indexes that end with the
-- whole sort key; the ones they replace (a prefix of each) would only slow the writes down.
DROP INDEX IF EXISTS techmail_message_trace_time;
DROP INDEX IF EXISTS techmail_quarantine_mailbox;
DROP INDEX IF EXISTS techmail_bounces_time;
DROP INDEX IF EXISTS techmail_audit_tenant;
DROP INDEX IF EXISTS techmail_audit_time;
