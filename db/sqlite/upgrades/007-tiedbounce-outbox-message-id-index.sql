-- when: SELECT COUNT(*) = 0 FROM sqlite_master WHERE type = 'index' AND name = 'techmail_outbox_message_id'
-- Finding the mail a bounce returns by its Message-ID. An upgrade step rather than part of the create script, which
-- runs before the column exists in an older database.
CREATE INDEX techmail_outbox_message_id ON techmail_outbox (tenant, message_id);
