-- when: SELECT COUNT(*) = 0 FROM pragma_table_info('techmail_outbox') WHERE name = 'message_id'
-- Databases made before bounces had to be tied to mail the tenant sent. Mail queued before this step has no
-- Message-ID on record, so a report about it is recorded as not tied.
ALTER TABLE techmail_outbox ADD COLUMN message_id TEXT NULL;
