-- Automatic medals: rules over facts (a number per person, metric and China-time day), and the
-- awards each rule made (once per person per rule, or per window).

ALTER TABLE rules ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE rules ADD COLUMN kind TEXT NOT NULL DEFAULT 'total' CHECK (kind IN ('total', 'streak'));
ALTER TABLE rules ADD COLUMN days TEXT NOT NULL DEFAULT 'calendar' CHECK (days IN ('calendar', 'workdays'));
ALTER TABLE rules ADD COLUMN period TEXT NOT NULL DEFAULT 'none' CHECK (period IN ('none', 'month', 'quarter'));
-- share each award to these groups (comma-separated ids), through the outbox
ALTER TABLE rules ADD COLUMN group_ids TEXT NOT NULL DEFAULT '';
-- facts before this day do not count (a rule saved without backfill); NULL: all of them
ALTER TABLE rules ADD COLUMN from_day BIGINT;
ALTER TABLE rules ADD COLUMN deleted_at BIGINT;

-- One number per person, metric and day (days from 1970-01-01, China time). `Set` events
-- replace it, `Add` events add to it; attendance is 1 (attended) or 0.
CREATE TABLE facts (
    metric      TEXT NOT NULL,
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    day         BIGINT NOT NULL,
    value       BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (metric, staff_id, day)
);

-- The idempotency keys of events already applied: a replayed event changes nothing. (The
-- `events` table of 0001 was never written; this replaces it.)
DROP TABLE events;
CREATE TABLE event_keys (
    idem_key    TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);

-- What each rule gave: the primary key is the guarantee of once per person per rule per
-- window (window 0: rules without one; else the month or quarter number), on every instance.
CREATE TABLE rule_awards (
    rule_id     BIGINT NOT NULL REFERENCES rules (id),
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    window_key  BIGINT NOT NULL,
    award_id    BIGINT REFERENCES awards (id),
    facts       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (rule_id, staff_id, window_key)
);
CREATE INDEX rule_awards_award ON rule_awards (award_id);

-- Days off that workday streaks skip, kept by the admins.
CREATE TABLE holidays (
    day     BIGINT PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT ''
);
