-- Incident reference numbers (YYMMDD-NNNNNN) are unique per tenant and day across the cluster. Silos
-- reserve them in blocks, so a busy mailbox writes one row update per block, not one per message.

CREATE TABLE IF NOT EXISTS techmail_reference_blocks
(
    tenant      TEXT   NOT NULL,
    day         TEXT   NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (tenant, day)
);
