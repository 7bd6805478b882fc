-- Admins page and audit log (issue #12).
-- session_epoch: a session is valid only while it carries its admin's current epoch; resetting a
-- password or disabling an admin bumps it, so every existing session of that admin ends.
-- last_login_at: set at each successful sign-in (UTC ms), shown on the admins page.
ALTER TABLE admins ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE admins ADD COLUMN last_login_at BIGINT;

-- The audit page filters by actor or object type and pages newest first by (at, id).
-- (In SQLite every index ends with the rowid, so audit_entries_at already orders by (at, id).)
CREATE INDEX audit_entries_actor_at ON audit_entries (actor, at, id);
CREATE INDEX audit_entries_type_at ON audit_entries (object_type, at, id);
