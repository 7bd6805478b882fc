-- The events CSV upload on /rules (issue #13): between preview and confirm the decoded file is
-- kept here, named by a token in the uploader's session, like staff_imports. Rows older than a
-- day, and an admin's earlier upload, are removed when the admin uploads again.
CREATE TABLE event_imports (
    token       TEXT PRIMARY KEY,
    admin_id    BIGINT NOT NULL REFERENCES admins (id),
    file_name   TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX event_imports_created_at ON event_imports (created_at);
