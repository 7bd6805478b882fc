-- DingTalk attendance (考勤) pulled by the app (issue #13). A sync is a job row like the userId
-- lookup's (state, counts, heartbeat): it walks the staff with a userId by id in chunks of 50,
-- each chunk over the sync's days in windows of 7, and moves its cursor after each chunk, so a
-- sync whose server died (heartbeat stopped: interrupted) is continued from its cursor by the
-- next start. Each person's day, as the last sync judged it under the policy of the time, is kept
-- in attendance_days (and becomes an `attendance` fact: 1 attended, 0 not).
CREATE TABLE attendance_syncs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: the daily automatic sync
    started_by      BIGINT REFERENCES admins (id),
    started_at      BIGINT NOT NULL,
    heartbeat_at    BIGINT NOT NULL,
    finished_at     BIGINT,
    -- running | done | stopped (a DingTalk error) | cancelled | interrupted
    state           TEXT NOT NULL DEFAULT 'running',
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    -- the days asked for (from 1970-01-01, China time), both included
    from_day        BIGINT NOT NULL,
    to_day          BIGINT NOT NULL,
    -- people with a userId when it started; people done (chunk by chunk)
    total           BIGINT NOT NULL,
    done            BIGINT NOT NULL DEFAULT 0,
    cursor_staff_id BIGINT NOT NULL DEFAULT 0,
    -- the interrupted sync this one continues
    resumes         BIGINT,
    calls           BIGINT NOT NULL DEFAULT 0,
    records         BIGINT NOT NULL DEFAULT 0,
    days_attended   BIGINT NOT NULL DEFAULT 0,
    days_missed     BIGINT NOT NULL DEFAULT 0,
    error_zh        TEXT,
    error_en        TEXT
);
-- One sync at a time, across all instances.
CREATE UNIQUE INDEX attendance_syncs_one_running ON attendance_syncs (state) WHERE state = 'running';

CREATE TABLE attendance_days (
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    day         BIGINT NOT NULL,
    attended    BOOLEAN NOT NULL,
    -- DingTalk's timeResult of each check, e.g. "OnDuty:Normal OffDuty:Late"
    checks      TEXT NOT NULL,
    synced_at   BIGINT NOT NULL,
    PRIMARY KEY (staff_id, day)
);
