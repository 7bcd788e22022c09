-- when: SELECT COUNT(*) = 0 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_quarantine' AND column_name = 'stage'
-- Databases made before quarantine rows said which stage set the message aside.
ALTER TABLE techmail_quarantine ADD COLUMN stage TEXT NOT NULL DEFAULT 'intake';
