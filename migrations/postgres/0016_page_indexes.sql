-- Pages at a million awards (issue #12): the indexes their query plans asked for, and the
-- quarter leaderboard's own counters (see the SQLite migration of the same number).
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

-- Row locks follow staff_months' (a person's month, then the same person's quarter), so the
-- award triggers' order (the medal, its month, then each person in id order) still holds.
-- An upsert on staff_months that updates fires the UPDATE trigger, not the INSERT one.
CREATE FUNCTION medals_quarter_tally() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE staff_quarters SET awards = awards - OLD.awards, gold = gold - OLD.gold,
            silver = silver - OLD.silver, bronze = bronze - OLD.bronze
            WHERE staff_id = OLD.staff_id AND quarter = OLD.month / 3;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO staff_quarters (staff_id, quarter, awards, gold, silver, bronze)
            VALUES (NEW.staff_id, NEW.month / 3, NEW.awards, NEW.gold, NEW.silver, NEW.bronze)
            ON CONFLICT (quarter, staff_id) DO UPDATE SET awards = staff_quarters.awards + excluded.awards,
                gold = staff_quarters.gold + excluded.gold, silver = staff_quarters.silver + excluded.silver,
                bronze = staff_quarters.bronze + excluded.bronze;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER staff_months_quarter AFTER INSERT OR UPDATE OR DELETE ON staff_months
    FOR EACH ROW EXECUTE FUNCTION medals_quarter_tally();

INSERT INTO staff_quarters (staff_id, quarter, awards, gold, silver, bronze)
    SELECT staff_id, month / 3, SUM(awards), SUM(gold), SUM(silver), SUM(bronze)
    FROM staff_months GROUP BY 1, 2;
