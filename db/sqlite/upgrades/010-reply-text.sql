-- when: SELECT COUNT(*) = 0 FROM pragma_table_info('techmail_incident_entries') WHERE name = 'reply_text'
-- Databases made before each customer entry kept its reply text beside the full body. Entries stored before this step
-- keep NULL and are shown and matched by their full body, as they were.
ALTER TABLE techmail_incident_entries ADD COLUMN reply_text TEXT NULL;
