-- when: SELECT COUNT(*) = 0 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_bounces' AND column_name = 'tied_to'
-- Databases made before bounces had to be tied to mail the tenant sent: what a bounce was tied to, or why not.
ALTER TABLE techmail_bounces ADD COLUMN tied_to TEXT NULL;
ALTER TABLE techmail_bounces ADD COLUMN untied TEXT NULL;
