-- when: SELECT COUNT(*) = 0 FROM pragma_table_info('techmail_quarantine') WHERE name = 'stage'
-- Databases made before quarantine rows said which stage set the message aside.
ALTER TABLE techmail_quarantine ADD COLUMN stage TEXT NOT NULL DEFAULT 'intake';
