-- Each silo's poll session limits as they stand, rewritten every few seconds: what 'techmail status' shows of the
-- limits a poll waited for. scope is 'silo' (MaxConcurrentPolls), 'accounts' (sessions per account, all accounts
-- together) or 'host:NAME' (that host's adaptive limit). Times are Unix seconds; waits and pushbacks count since the
-- silo started.

CREATE TABLE IF NOT EXISTS techmail_session_limits
(
    silo           TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    session_limit  INTEGER NOT NULL,
    floor_limit    INTEGER NOT NULL,
    ceiling_limit  INTEGER NOT NULL,
    in_use         INTEGER NOT NULL,
    waiting        INTEGER NOT NULL,
    waits          BIGINT  NOT NULL,
    last_wait_unix BIGINT,
    pushbacks      BIGINT  NOT NULL,
    last_pushback  TEXT,
    last_cut_unix  BIGINT,
    updated_unix   BIGINT  NOT NULL,
    PRIMARY KEY (silo, scope)
);
