-- when: SELECT 1 - COUNT(*) FROM pragma_table_info('techmail_quarantine') WHERE name = 'resolved_utc'
-- Databases made before quarantined mail recorded when an admin dropped or reprocessed it (see 003): the retention of
-- dropped bodies counts from then. Mail resolved before the upgrade counts from the upgrade, never sooner.
ALTER TABLE techmail_quarantine ADD COLUMN resolved_utc TEXT NULL;
UPDATE techmail_quarantine SET resolved_utc = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE state <> 'Held';
