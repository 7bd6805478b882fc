-- Counters kept in step with awards, so pages read tens of rows instead of counting a million:
-- - medals.live_awards (not revoked) and medals.all_awards (any);
-- - medal_months: a medal's live awards per month (China time; month = year * 12 + month - 1);
-- - staff.live_awards and live_gold/silver/bronze (by the medal's current tier), and
--   staff_months, the same per month: the leaderboards.
-- Triggers keep them, so every writer (the award form, CSV, the demo, restores, raw SQL) does.
--
-- No counter is global: a single hot row taken in the middle of a transaction that goes on to
-- lock people would deadlock two batches. Locks are taken in one order: the medal (give() locks
-- it first anyway), its month row, then each person and their month in id order (insert_awards
-- sorts its rows by person) — so concurrent award writers queue, never deadlock.
ALTER TABLE medals ADD COLUMN live_awards BIGINT NOT NULL DEFAULT 0;
ALTER TABLE medals ADD COLUMN all_awards BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN live_awards BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN live_gold BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN live_silver BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN live_bronze BIGINT NOT NULL DEFAULT 0;

CREATE TABLE medal_months (
    medal_id    BIGINT NOT NULL REFERENCES medals (id),
    month       INTEGER NOT NULL,
    awards      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (medal_id, month)
);
CREATE TABLE staff_months (
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    month       INTEGER NOT NULL,
    awards      BIGINT NOT NULL DEFAULT 0,
    gold        BIGINT NOT NULL DEFAULT 0,
    silver      BIGINT NOT NULL DEFAULT 0,
    bronze      BIGINT NOT NULL DEFAULT 0,
    -- month first: a period's leaderboard reads one contiguous range
    PRIMARY KEY (month, staff_id)
);
CREATE INDEX staff_leaders ON staff (live_awards DESC, live_gold DESC, live_silver DESC, live_bronze DESC, name);
-- The awards list pages by (awarded_at, id) (keyset).
CREATE INDEX awards_awarded_at_id ON awards (awarded_at, id);
DROP INDEX awards_awarded_at;

-- The month (China time) of a UTC millisecond timestamp: year * 12 + month - 1.
CREATE FUNCTION medals_month(ms BIGINT) RETURNS INTEGER LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (EXTRACT(YEAR FROM t) * 12 + EXTRACT(MONTH FROM t) - 1)::INTEGER
    FROM (SELECT to_timestamp((ms + 28800000) / 1000.0) AT TIME ZONE 'UTC' AS t) x
$$;

-- Adds (d = 1) or removes (d = -1) one award's share of every counter.
CREATE FUNCTION medals_tally(d INTEGER, a awards) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    tier TEXT;
    mon INTEGER;
BEGIN
    UPDATE medals SET all_awards = all_awards + d,
        live_awards = live_awards + CASE WHEN a.revoked_at IS NULL THEN d ELSE 0 END
        WHERE id = a.medal_id RETURNING medals.tier INTO tier;
    IF a.revoked_at IS NOT NULL THEN
        RETURN;
    END IF;
    mon := medals_month(a.awarded_at);
    INSERT INTO medal_months (medal_id, month, awards) VALUES (a.medal_id, mon, d)
        ON CONFLICT (medal_id, month) DO UPDATE SET awards = medal_months.awards + d;
    UPDATE staff SET live_awards = live_awards + d,
        live_gold = live_gold + CASE WHEN tier = 'gold' THEN d ELSE 0 END,
        live_silver = live_silver + CASE WHEN tier = 'silver' THEN d ELSE 0 END,
        live_bronze = live_bronze + CASE WHEN tier = 'bronze' THEN d ELSE 0 END
        WHERE id = a.staff_id;
    INSERT INTO staff_months (staff_id, month, awards, gold, silver, bronze)
        VALUES (a.staff_id, mon, d, CASE WHEN tier = 'gold' THEN d ELSE 0 END,
                CASE WHEN tier = 'silver' THEN d ELSE 0 END, CASE WHEN tier = 'bronze' THEN d ELSE 0 END)
        ON CONFLICT (staff_id, month) DO UPDATE SET awards = staff_months.awards + excluded.awards,
            gold = staff_months.gold + excluded.gold, silver = staff_months.silver + excluded.silver,
            bronze = staff_months.bronze + excluded.bronze;
END
$$;

CREATE FUNCTION medals_awards_tally() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM medals_tally(-1, OLD);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM medals_tally(1, NEW);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER awards_tally AFTER INSERT OR DELETE OR UPDATE OF medal_id, staff_id, awarded_at, revoked_at
    ON awards FOR EACH ROW EXECUTE FUNCTION medals_awards_tally();

-- A medal's tier changes: its holders' tier counts move with it (people locked in id order).
CREATE FUNCTION medals_tier_tally() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM staff WHERE id IN (SELECT staff_id FROM awards WHERE medal_id = NEW.id)
        ORDER BY id FOR UPDATE;
    UPDATE staff SET
        live_gold = live_gold + ((NEW.tier = 'gold')::INT - (OLD.tier = 'gold')::INT) * h.n,
        live_silver = live_silver + ((NEW.tier = 'silver')::INT - (OLD.tier = 'silver')::INT) * h.n,
        live_bronze = live_bronze + ((NEW.tier = 'bronze')::INT - (OLD.tier = 'bronze')::INT) * h.n
    FROM (SELECT staff_id, COUNT(*) AS n FROM awards
          WHERE medal_id = NEW.id AND revoked_at IS NULL GROUP BY staff_id) h
    WHERE staff.id = h.staff_id;
    UPDATE staff_months SET
        gold = gold + ((NEW.tier = 'gold')::INT - (OLD.tier = 'gold')::INT) * h.n,
        silver = silver + ((NEW.tier = 'silver')::INT - (OLD.tier = 'silver')::INT) * h.n,
        bronze = bronze + ((NEW.tier = 'bronze')::INT - (OLD.tier = 'bronze')::INT) * h.n
    FROM (SELECT staff_id, medals_month(awarded_at) AS month, COUNT(*) AS n FROM awards
          WHERE medal_id = NEW.id AND revoked_at IS NULL GROUP BY 1, 2) h
    WHERE staff_months.staff_id = h.staff_id AND staff_months.month = h.month;
    RETURN NULL;
END
$$;
CREATE TRIGGER medals_tier_tally AFTER UPDATE OF tier ON medals
    FOR EACH ROW WHEN (OLD.tier IS DISTINCT FROM NEW.tier) EXECUTE FUNCTION medals_tier_tally();

-- Awards made before this migration.
UPDATE medals SET
    all_awards = (SELECT COUNT(*) FROM awards a WHERE a.medal_id = medals.id),
    live_awards = (SELECT COUNT(*) FROM awards a WHERE a.medal_id = medals.id AND a.revoked_at IS NULL);
INSERT INTO medal_months (medal_id, month, awards)
    SELECT medal_id, medals_month(awarded_at), COUNT(*) FROM awards WHERE revoked_at IS NULL GROUP BY 1, 2;
UPDATE staff SET live_awards = h.n, live_gold = h.g, live_silver = h.s, live_bronze = h.b
    FROM (SELECT a.staff_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE m.tier = 'gold') AS g,
          COUNT(*) FILTER (WHERE m.tier = 'silver') AS s, COUNT(*) FILTER (WHERE m.tier = 'bronze') AS b
          FROM awards a JOIN medals m ON m.id = a.medal_id WHERE a.revoked_at IS NULL GROUP BY a.staff_id) h
    WHERE staff.id = h.staff_id;
INSERT INTO staff_months (staff_id, month, awards, gold, silver, bronze)
    SELECT a.staff_id, medals_month(a.awarded_at), COUNT(*), COUNT(*) FILTER (WHERE m.tier = 'gold'),
        COUNT(*) FILTER (WHERE m.tier = 'silver'), COUNT(*) FILTER (WHERE m.tier = 'bronze')
    FROM awards a JOIN medals m ON m.id = a.medal_id WHERE a.revoked_at IS NULL GROUP BY 1, 2;
