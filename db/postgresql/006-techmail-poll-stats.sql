-- Poll timing per silo and minute: what 'techmail status' reports as lateness, skipped and doubled polls.
-- minute_unix is the minute's start in Unix seconds; lateness_buckets is LatenessHistogram's sparse text form.

CREATE TABLE IF NOT EXISTS techmail_poll_minutes
(
    silo             TEXT    NOT NULL,
    minute_unix      BIGINT  NOT NULL,
    polls            INTEGER NOT NULL,
    lateness_buckets TEXT    NOT NULL,
    lateness_max_ms  INTEGER NOT NULL,
    busy_skips       INTEGER NOT NULL,
    backoff_skips    INTEGER NOT NULL,
    missed_ticks     INTEGER NOT NULL,
    doubled_ticks    INTEGER NOT NULL,
    failed_polls     INTEGER NOT NULL,
    messages         INTEGER NOT NULL,
    PRIMARY KEY (silo, minute_unix)
);

CREATE INDEX IF NOT EXISTS techmail_poll_minutes_time ON techmail_poll_minutes (minute_unix);
