-- Staff directory: list ordered by name (keyed by id for a stable order), filtered by active.
CREATE INDEX staff_active_name ON staff (active, name, id);
CREATE INDEX staff_name_id ON staff (name, id);

-- Uploaded import files between preview and confirm (the session keeps only the token).
CREATE TABLE staff_imports (
    token       TEXT PRIMARY KEY,
    admin_id    BIGINT NOT NULL REFERENCES admins (id),
    file_name   TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX staff_imports_created_at ON staff_imports (created_at);
