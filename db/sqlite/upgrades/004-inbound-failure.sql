-- when: SELECT COUNT(*) = 0 FROM pragma_table_info('techmail_inbound') WHERE name = 'failure'
-- Databases made before waiting mail kept why its last build failed.
ALTER TABLE techmail_inbound ADD COLUMN failure TEXT NULL;
ALTER TABLE techmail_inbound ADD COLUMN failure_stage TEXT NULL;
ALTER TABLE techmail_inbound ADD COLUMN failure_utc TEXT NULL;
