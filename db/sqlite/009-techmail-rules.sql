-- Each tenant's business rules for Service mail: one canonical JSON document, replaced whole by an import.
-- version grows by one with every import, so each silo compiles a document once and reuses it until it changes.

CREATE TABLE IF NOT EXISTS techmail_rules
(
    tenant      TEXT    NOT NULL PRIMARY KEY,
    document    TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    updated_utc TEXT    NOT NULL
);
