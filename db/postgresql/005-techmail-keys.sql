-- The Data Protection key ring shared by every silo of a cluster (the keys seal mailbox passwords).
-- Whoever can read this table and the sealed passwords can read the passwords: restrict the database.

CREATE TABLE IF NOT EXISTS techmail_dataprotection_keys
(
    friendly_name VARCHAR(200) NOT NULL PRIMARY KEY,
    xml           TEXT         NOT NULL
);
