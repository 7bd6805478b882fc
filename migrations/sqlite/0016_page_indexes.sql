-- Pages at a million awards (issue #12): the indexes their query plans asked for, and the
-- quarter leaderboard's own counters.
-- - the overview's awards per month reads (month, awards) in month order, no sort;
-- - the department choices read (department, active) in department order, no table scan (a
--   second index led by `active` would be taken by the staff list too, which then sorts);
-- - a month's leaderboard walks its top 50 in index order (ties by person id; the page orders
--   equal ranks by name);
-- - staff_quarters: staff_months summed by quarter (quarter = month / 3, i.e. year * 4 +
--   quarter - 1), kept by triggers on staff_months, so a quarter's leaderboard reads 50 rows
--   instead of summing three months of everyone.
CREATE INDEX medal_months_month ON medal_months (month, awards);
-- (department, active) replaces (department): same lookups, and no second index to choose from.
DROP INDEX staff_department;
CREATE INDEX staff_department_active ON staff (department, active);
CREATE INDEX staff_months_rank ON staff_months (month, awards DESC, gold DESC, silver DESC, bronze DESC, staff_id);

CREATE TABLE staff_quarters (
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    quarter     INTEGER NOT NULL,
    awards      BIGINT NOT NULL DEFAULT 0,
    gold        BIGINT NOT NULL DEFAULT 0,
    silver      BIGINT NOT NULL DEFAULT 0,
    bronze      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (quarter, staff_id)
);
CREATE INDEX staff_quarters_rank ON staff_quarters (quarter, awards DESC, gold DESC, silver DESC, bronze DESC, staff_id);

-- An upsert on staff_months that updates fires the UPDATE trigger, not the INSERT one.
CREATE TRIGGER staff_months_quarter_insert AFTER INSERT ON staff_months BEGIN
    INSERT INTO staff_quarters (staff_id, quarter, awards, gold, silver, bronze)
        VALUES (NEW.staff_id, NEW.month / 3, NEW.awards, NEW.gold, NEW.silver, NEW.bronze)
        ON CONFLICT (quarter, staff_id) DO UPDATE SET awards = awards + excluded.awards,
            gold = gold + excluded.gold, silver = silver + excluded.silver, bronze = bronze + excluded.bronze;
END;
CREATE TRIGGER staff_months_quarter_update AFTER UPDATE ON staff_months BEGIN
    UPDATE staff_quarters SET awards = awards - OLD.awards, gold = gold - OLD.gold,
        silver = silver - OLD.silver, bronze = bronze - OLD.bronze
        WHERE staff_id = OLD.staff_id AND quarter = OLD.month / 3;
    INSERT INTO staff_quarters (staff_id, quarter, awards, gold, silver, bronze)
        VALUES (NEW.staff_id, NEW.month / 3, NEW.awards, NEW.gold, NEW.silver, NEW.bronze)
        ON CONFLICT (quarter, staff_id) DO UPDATE SET awards = awards + excluded.awards,
            gold = gold + excluded.gold, silver = silver + excluded.silver, bronze = bronze + excluded.bronze;
END;
CREATE TRIGGER staff_months_quarter_delete AFTER DELETE ON staff_months BEGIN
    UPDATE staff_quarters SET awards = awards - OLD.awards, gold = gold - OLD.gold,
        silver = silver - OLD.silver, bronze = bronze - OLD.bronze
        WHERE staff_id = OLD.staff_id AND quarter = OLD.month / 3;
END;

INSERT INTO staff_quarters (staff_id, quarter, awards, gold, silver, bronze)
    SELECT staff_id, month / 3, SUM(awards), SUM(gold), SUM(silver), SUM(bronze)
    FROM staff_months GROUP BY 1, 2;
