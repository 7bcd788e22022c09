-- when: SELECT COUNT(*) = 0 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_outbox' AND column_name = 'message_id'
-- Databases made before bounces had to be tied to mail the tenant sent. Mail queued before this step has no
-- Message-ID on record, so a report about it is recorded as not tied.
ALTER TABLE techmail_outbox ADD COLUMN message_id TEXT NULL;
