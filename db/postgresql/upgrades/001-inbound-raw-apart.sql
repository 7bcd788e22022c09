-- when: SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'techmail_inbound' AND column_name = 'raw'
-- Databases made before the recorded bytes moved to techmail_inbound_raw (see 003): move them, then drop the column.
INSERT INTO techmail_inbound_raw (tenant, mailbox, message_key, raw)
SELECT tenant, mailbox, message_key, raw FROM techmail_inbound
ON CONFLICT (tenant, mailbox, message_key) DO NOTHING;

ALTER TABLE techmail_inbound DROP COLUMN raw;
