-- when: SELECT COUNT(*) FROM pragma_table_info('techmail_inbound') WHERE name = 'raw'
-- Databases made before the recorded bytes moved to techmail_inbound_raw (see 003): move them, then drop the column.
-- SQLite needs the WHERE to tell the upsert's ON CONFLICT from a join's ON.
INSERT INTO techmail_inbound_raw (tenant, mailbox, message_key, raw)
SELECT tenant, mailbox, message_key, raw FROM techmail_inbound WHERE true
ON CONFLICT (tenant, mailbox, message_key) DO NOTHING;

ALTER TABLE techmail_inbound DROP COLUMN raw;
