-- when: SELECT COUNT(*) = 0 FROM pragma_table_info('techmail_bounces') WHERE name = 'tied_to'
-- Databases made before bounces had to be tied to mail the tenant sent: what a bounce was tied to, or why not.
ALTER TABLE techmail_bounces ADD COLUMN tied_to TEXT NULL;
ALTER TABLE techmail_bounces ADD COLUMN untied TEXT NULL;
