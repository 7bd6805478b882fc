-- Counters kept in step with awards, so pages read tens of rows instead of counting a million:
-- - medals.live_awards (not revoked) and medals.all_awards (any);
-- - medal_months: a medal's live awards per month (China time; month = year * 12 + month - 1);
-- - staff.live_awards and live_gold/silver/bronze (by the medal's current tier), and
--   staff_months, the same per month: the leaderboards.
-- Triggers keep them, so every writer (the award form, CSV, the demo, restores, raw SQL) does.
-- Lock order on PostgreSQL (see there): the medal, its month, then each person in id order.
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
-- The awards list pages by (awarded_at, id) (keyset): SQLite's awards_awarded_at already ends in the rowid.

CREATE TRIGGER awards_tally_insert AFTER INSERT ON awards BEGIN
    UPDATE medals SET all_awards = all_awards + 1, live_awards = live_awards + (NEW.revoked_at IS NULL) WHERE id = NEW.medal_id;
    INSERT INTO medal_months (medal_id, month, awards)
        SELECT NEW.medal_id, (CAST(strftime('%Y', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1), 1 WHERE NEW.revoked_at IS NULL
        ON CONFLICT (medal_id, month) DO UPDATE SET awards = awards + 1;
    UPDATE staff SET live_awards = live_awards + 1, live_gold = live_gold + (SELECT tier = 'gold' FROM medals WHERE id = NEW.medal_id),
        live_silver = live_silver + (SELECT tier = 'silver' FROM medals WHERE id = NEW.medal_id), live_bronze = live_bronze + (SELECT tier = 'bronze' FROM medals WHERE id = NEW.medal_id)
        WHERE id = NEW.staff_id AND NEW.revoked_at IS NULL;
    INSERT INTO staff_months (staff_id, month, awards, gold, silver, bronze)
        SELECT NEW.staff_id, (CAST(strftime('%Y', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1), 1, (SELECT tier = 'gold' FROM medals WHERE id = NEW.medal_id), (SELECT tier = 'silver' FROM medals WHERE id = NEW.medal_id), (SELECT tier = 'bronze' FROM medals WHERE id = NEW.medal_id) WHERE NEW.revoked_at IS NULL
        ON CONFLICT (staff_id, month) DO UPDATE SET awards = awards + 1, gold = gold + excluded.gold,
            silver = silver + excluded.silver, bronze = bronze + excluded.bronze;
END;

CREATE TRIGGER awards_tally_delete AFTER DELETE ON awards BEGIN
    UPDATE medals SET all_awards = all_awards - 1, live_awards = live_awards - (OLD.revoked_at IS NULL) WHERE id = OLD.medal_id;
    UPDATE medal_months SET awards = awards - 1
        WHERE medal_id = OLD.medal_id AND month = (CAST(strftime('%Y', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) AND OLD.revoked_at IS NULL;
    UPDATE staff SET live_awards = live_awards - 1, live_gold = live_gold - (SELECT tier = 'gold' FROM medals WHERE id = OLD.medal_id),
        live_silver = live_silver - (SELECT tier = 'silver' FROM medals WHERE id = OLD.medal_id), live_bronze = live_bronze - (SELECT tier = 'bronze' FROM medals WHERE id = OLD.medal_id)
        WHERE id = OLD.staff_id AND OLD.revoked_at IS NULL;
    UPDATE staff_months SET awards = awards - 1, gold = gold - (SELECT tier = 'gold' FROM medals WHERE id = OLD.medal_id),
        silver = silver - (SELECT tier = 'silver' FROM medals WHERE id = OLD.medal_id), bronze = bronze - (SELECT tier = 'bronze' FROM medals WHERE id = OLD.medal_id)
        WHERE staff_id = OLD.staff_id AND month = (CAST(strftime('%Y', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) AND OLD.revoked_at IS NULL;
END;

CREATE TRIGGER awards_tally_update AFTER UPDATE OF medal_id, staff_id, awarded_at, revoked_at ON awards BEGIN
    UPDATE medals SET all_awards = all_awards - 1, live_awards = live_awards - (OLD.revoked_at IS NULL) WHERE id = OLD.medal_id;
    UPDATE medal_months SET awards = awards - 1
        WHERE medal_id = OLD.medal_id AND month = (CAST(strftime('%Y', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) AND OLD.revoked_at IS NULL;
    UPDATE staff SET live_awards = live_awards - 1, live_gold = live_gold - (SELECT tier = 'gold' FROM medals WHERE id = OLD.medal_id),
        live_silver = live_silver - (SELECT tier = 'silver' FROM medals WHERE id = OLD.medal_id), live_bronze = live_bronze - (SELECT tier = 'bronze' FROM medals WHERE id = OLD.medal_id)
        WHERE id = OLD.staff_id AND OLD.revoked_at IS NULL;
    UPDATE staff_months SET awards = awards - 1, gold = gold - (SELECT tier = 'gold' FROM medals WHERE id = OLD.medal_id),
        silver = silver - (SELECT tier = 'silver' FROM medals WHERE id = OLD.medal_id), bronze = bronze - (SELECT tier = 'bronze' FROM medals WHERE id = OLD.medal_id)
        WHERE staff_id = OLD.staff_id AND month = (CAST(strftime('%Y', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) AND OLD.revoked_at IS NULL;
    UPDATE medals SET all_awards = all_awards + 1, live_awards = live_awards + (NEW.revoked_at IS NULL) WHERE id = NEW.medal_id;
    INSERT INTO medal_months (medal_id, month, awards)
        SELECT NEW.medal_id, (CAST(strftime('%Y', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1), 1 WHERE NEW.revoked_at IS NULL
        ON CONFLICT (medal_id, month) DO UPDATE SET awards = awards + 1;
    UPDATE staff SET live_awards = live_awards + 1, live_gold = live_gold + (SELECT tier = 'gold' FROM medals WHERE id = NEW.medal_id),
        live_silver = live_silver + (SELECT tier = 'silver' FROM medals WHERE id = NEW.medal_id), live_bronze = live_bronze + (SELECT tier = 'bronze' FROM medals WHERE id = NEW.medal_id)
        WHERE id = NEW.staff_id AND NEW.revoked_at IS NULL;
    INSERT INTO staff_months (staff_id, month, awards, gold, silver, bronze)
        SELECT NEW.staff_id, (CAST(strftime('%Y', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1), 1, (SELECT tier = 'gold' FROM medals WHERE id = NEW.medal_id), (SELECT tier = 'silver' FROM medals WHERE id = NEW.medal_id), (SELECT tier = 'bronze' FROM medals WHERE id = NEW.medal_id) WHERE NEW.revoked_at IS NULL
        ON CONFLICT (staff_id, month) DO UPDATE SET awards = awards + 1, gold = gold + excluded.gold,
            silver = silver + excluded.silver, bronze = bronze + excluded.bronze;
END;

-- A medal's tier changes: its holders' tier counts move with it.
CREATE TRIGGER medals_tier_tally AFTER UPDATE OF tier ON medals WHEN OLD.tier <> NEW.tier BEGIN
    UPDATE staff SET
        live_gold = live_gold + (NEW.tier = 'gold') * n - (OLD.tier = 'gold') * n,
        live_silver = live_silver + (NEW.tier = 'silver') * n - (OLD.tier = 'silver') * n,
        live_bronze = live_bronze + (NEW.tier = 'bronze') * n - (OLD.tier = 'bronze') * n
    FROM (SELECT staff_id, COUNT(*) AS n FROM awards
          WHERE medal_id = NEW.id AND revoked_at IS NULL GROUP BY staff_id) h
    WHERE staff.id = h.staff_id;
    UPDATE staff_months SET
        gold = gold + (NEW.tier = 'gold') * n - (OLD.tier = 'gold') * n,
        silver = silver + (NEW.tier = 'silver') * n - (OLD.tier = 'silver') * n,
        bronze = bronze + (NEW.tier = 'bronze') * n - (OLD.tier = 'bronze') * n
    FROM (SELECT staff_id, (CAST(strftime('%Y', (awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) AS month, COUNT(*) AS n FROM awards
          WHERE medal_id = NEW.id AND revoked_at IS NULL GROUP BY 1, 2) h
    WHERE staff_months.staff_id = h.staff_id AND staff_months.month = h.month;
END;

-- Awards made before this migration.
UPDATE medals SET
    all_awards = (SELECT COUNT(*) FROM awards a WHERE a.medal_id = medals.id),
    live_awards = (SELECT COUNT(*) FROM awards a WHERE a.medal_id = medals.id AND a.revoked_at IS NULL);
INSERT INTO medal_months (medal_id, month, awards)
    SELECT medal_id, (CAST(strftime('%Y', (awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1), COUNT(*) FROM awards WHERE revoked_at IS NULL GROUP BY 1, 2;
UPDATE staff SET live_awards = h.n, live_gold = h.g, live_silver = h.s, live_bronze = h.b
    FROM (SELECT a.staff_id, COUNT(*) AS n, SUM(m.tier = 'gold') AS g, SUM(m.tier = 'silver') AS s,
          SUM(m.tier = 'bronze') AS b FROM awards a JOIN medals m ON m.id = a.medal_id
          WHERE a.revoked_at IS NULL GROUP BY a.staff_id) h
    WHERE staff.id = h.staff_id;
INSERT INTO staff_months (staff_id, month, awards, gold, silver, bronze)
    SELECT a.staff_id, (CAST(strftime('%Y', (a.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (a.awarded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1), COUNT(*), SUM(m.tier = 'gold'), SUM(m.tier = 'silver'), SUM(m.tier = 'bronze')
    FROM awards a JOIN medals m ON m.id = a.medal_id WHERE a.revoked_at IS NULL GROUP BY 1, 2;
