-- S/MIME: a tenant's certificates (mailbox certificates with their private keys sealed by the cluster's Data
-- Protection keys, trusted CAs of two kinds, SmimeCa and ServerCa, customer certificates) and the CRLs that revoke some of them; and what S/MIME
-- said about each customer mail, beside its thread entry (a table of its own, since a column added to an
-- existing table cannot be written so that the script runs again safely on SQLite).

CREATE TABLE IF NOT EXISTS techmail_certificates
(
    tenant       TEXT NOT NULL,
    thumbprint   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    issuer       TEXT NOT NULL,
    not_before   TIMESTAMPTZ NOT NULL,
    not_after    TIMESTAMPTZ NOT NULL,
    addresses    TEXT NOT NULL,
    der          BYTEA NOT NULL,
    sealed_key   TEXT NULL,
    source       TEXT NOT NULL,
    created_utc  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, thumbprint)
);

CREATE TABLE IF NOT EXISTS techmail_crls
(
    tenant       TEXT NOT NULL,
    thumbprint   TEXT NOT NULL,
    issuer       TEXT NOT NULL,
    this_update  TIMESTAMPTZ NOT NULL,
    next_update  TIMESTAMPTZ NULL,
    revoked      INTEGER NOT NULL,
    der          BYTEA NOT NULL,
    created_utc  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, thumbprint)
);

CREATE TABLE IF NOT EXISTS techmail_incident_entry_smime
(
    tenant      TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    result      TEXT    NOT NULL,
    PRIMARY KEY (tenant, reference, sequence)
);
