-- Service contacts (the people incidents belong to), one row per normalised address, written by the
-- contact grain; and per-tenant secrets Techmail makes for itself (the tracking-token key), sealed with
-- the cluster's Data Protection keys like mailbox passwords.

CREATE TABLE IF NOT EXISTS techmail_contacts
(
    tenant      TEXT NOT NULL,
    address     TEXT NOT NULL,
    name        TEXT NULL,
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    PRIMARY KEY (tenant, address)
);

CREATE TABLE IF NOT EXISTS techmail_tenant_secrets
(
    tenant      TEXT NOT NULL,
    name        TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    PRIMARY KEY (tenant, name)
);

-- Incident lists filter by mailbox or status and page newest first (by reference, which starts with the day).
CREATE INDEX IF NOT EXISTS techmail_incidents_mailbox ON techmail_incidents (tenant, mailbox, reference);
CREATE INDEX IF NOT EXISTS techmail_incidents_status ON techmail_incidents (tenant, status, reference);

-- The incident builders read only mail still waiting; done rows pile up until they are pruned, so the
-- waiting ones get an index of their own.
CREATE INDEX IF NOT EXISTS techmail_inbound_waiting ON techmail_inbound (tenant, mailbox, received_utc)
    WHERE state IN ('pending', 'released');
