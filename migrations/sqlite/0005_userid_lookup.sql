-- DingTalk userId lookup by mobile (issue #4): each person keeps the outcome of their last lookup
-- (when, and DingTalk's error explained as {"zh","en"} JSON, NULL when found), and a bulk lookup
-- runs as a job whose progress every instance can read. A job whose heartbeat stopped (its server
-- died) counts as interrupted; running it again continues with whoever still has no userId.
ALTER TABLE staff ADD COLUMN userid_lookup_at BIGINT;
ALTER TABLE staff ADD COLUMN userid_lookup_error TEXT;

CREATE TABLE userid_lookups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    started_by      BIGINT REFERENCES admins (id),
    started_at      BIGINT NOT NULL,
    heartbeat_at    BIGINT NOT NULL,
    finished_at     BIGINT,
    -- running | done | stopped (a DingTalk error not about one person) | cancelled | interrupted
    state           TEXT NOT NULL DEFAULT 'running',
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    total           BIGINT NOT NULL,
    done            BIGINT NOT NULL DEFAULT 0,
    found           BIGINT NOT NULL DEFAULT 0,
    not_found       BIGINT NOT NULL DEFAULT 0,
    cursor_staff_id BIGINT NOT NULL DEFAULT 0,
    error_zh        TEXT,
    error_en        TEXT
);
-- One bulk lookup at a time, across all instances.
CREATE UNIQUE INDEX userid_lookups_one_running ON userid_lookups (state) WHERE state = 'running';
