-- Staff directory list: ordered by name (then id), filtered by active, searched in name,
-- department, mobile and external id. The indexes hold every column the filter reads, so a
-- search walks an index in page order without reading the table.
CREATE INDEX staff_list ON staff (active, name, id, department, mobile, external_id);
CREATE INDEX staff_list_all ON staff (name, id, active, department, mobile, external_id);

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
