-- when: SELECT COUNT(*) = 0 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_inbound' AND column_name = 'failure'
-- Databases made before waiting mail kept why its last build failed.
ALTER TABLE techmail_inbound ADD COLUMN failure TEXT NULL;
ALTER TABLE techmail_inbound ADD COLUMN failure_stage TEXT NULL;
ALTER TABLE techmail_inbound ADD COLUMN failure_utc TIMESTAMPTZ NULL;
