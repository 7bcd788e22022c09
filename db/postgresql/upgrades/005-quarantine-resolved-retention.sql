-- when: SELECT 1 - COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_quarantine' AND column_name = 'resolved_utc'
-- Databases made before quarantined mail recorded when an admin dropped or reprocessed it (see 003): the retention of
-- dropped bodies counts from then. Mail resolved before the upgrade counts from the upgrade, never sooner.
ALTER TABLE techmail_quarantine ADD COLUMN IF NOT EXISTS resolved_utc TIMESTAMPTZ NULL;
UPDATE techmail_quarantine SET resolved_utc = now() WHERE state <> 'Held';
