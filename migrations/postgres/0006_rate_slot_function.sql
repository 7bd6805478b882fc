-- A robot's rate slot in one round trip (it was BEGIN, advisory lock, count, insert, COMMIT: five).
-- The advisory lock serialises takers of one robot across instances until the calling statement's
-- transaction ends; a VOLATILE PL/pgSQL function takes a fresh snapshot for each statement, so
-- the count after the lock sees every slot committed by the taker before. Lock key:
-- 0x4D45_4441_0000_0000 | group id, as before.
CREATE FUNCTION medals_take_rate_slot(p_group BIGINT, p_now BIGINT, p_since BIGINT, p_limit BIGINT)
RETURNS TABLE (taken BOOLEAN, sent BIGINT, oldest BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(5567931560277049344 | p_group);
    SELECT COUNT(*), MIN(r.at) INTO sent, oldest
        FROM robot_sends r WHERE r.group_id = p_group AND r.at > p_since;
    taken := sent < p_limit;
    IF taken THEN
        INSERT INTO robot_sends (group_id, at) VALUES (p_group, p_now);
    END IF;
    RETURN NEXT;
END
$$;
