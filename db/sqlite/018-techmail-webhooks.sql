-- Webhooks: per tenant, a receiver's URL, the events it takes (one subscription row each, so raising an event finds
-- its receivers with one indexed join) and its secret, sealed with the key ring like mailbox passwords. enabled is 0
-- once the receiver answered 410 Gone; disabled_reason says so.
-- Deliveries are the durable queue: one row per event and webhook, written in the transaction of the change that
-- raised the event. event_id is derived from the change, so a change written again (a batch redone after a crash)
-- finds its rows there (unique per webhook). A drain claims due rows by moving next_attempt_utc past a lease and
-- stamping claim: two silos never send the same row at once, and a row whose silo died comes due again after the lease.

CREATE TABLE IF NOT EXISTS techmail_webhooks
(
    tenant          TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT    NULL,
    created_utc     TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE IF NOT EXISTS techmail_webhook_subscriptions
(
    tenant     TEXT NOT NULL,
    event_type TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    PRIMARY KEY (tenant, event_type, webhook_id)
);

CREATE TABLE IF NOT EXISTS techmail_webhook_deliveries
(
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    tenant           TEXT    NOT NULL,
    webhook_id       TEXT    NOT NULL,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_utc TEXT    NOT NULL,
    claim            TEXT    NULL,
    last_status      INTEGER NULL,
    last_error       TEXT    NULL,
    created_utc      TEXT    NOT NULL,
    updated_utc      TEXT    NOT NULL,
    delivered_utc    TEXT    NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS techmail_webhook_deliveries_event ON techmail_webhook_deliveries (tenant, webhook_id, event_id);
CREATE INDEX IF NOT EXISTS techmail_webhook_deliveries_due ON techmail_webhook_deliveries (tenant, state, next_attempt_utc, id);
