-- when: SELECT COUNT(*) = 0 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_incident_entries' AND column_name = 'reply_text'
-- Databases made before each customer entry kept its reply text beside the full body. Entries stored before this step
-- keep NULL and are shown and matched by their full body, as they were.
ALTER TABLE techmail_incident_entries ADD COLUMN reply_text TEXT NULL;
