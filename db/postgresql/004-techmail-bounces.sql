-- Bounces and addresses: the read model behind 'bounce list' and 'contact list --invalid'.

CREATE TABLE IF NOT EXISTS techmail_bounces
(
    tenant       TEXT    NOT NULL,
    mailbox      TEXT    NOT NULL,
    message_key  TEXT    NOT NULL,
    address      TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    hard         INTEGER NULL,
    status       TEXT    NULL,
    reply_code   TEXT    NULL,
    diagnostic   TEXT    NULL,
    mailing      TEXT    NULL,
    received_utc TIMESTAMPTZ NOT NULL,
    tied_to      TEXT    NULL,
    untied       TEXT    NULL,
    PRIMARY KEY (tenant, message_key, address)
);

-- The bounce list is read newest first a page at a time, after the last (time, message, address) shown: the whole key.
CREATE INDEX IF NOT EXISTS techmail_bounces_page ON techmail_bounces (tenant, received_utc, message_key, address);
CREATE INDEX IF NOT EXISTS techmail_bounces_address ON techmail_bounces (tenant, address);

CREATE TABLE IF NOT EXISTS techmail_addresses
(
    tenant         TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    invalid        BIGINT  NOT NULL,
    invalid_reason TEXT    NULL,
    invalid_since  TIMESTAMPTZ NULL,
    opted_out      BIGINT  NOT NULL,
    bounce_count   BIGINT  NOT NULL,
    updated_utc    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, address)
);
