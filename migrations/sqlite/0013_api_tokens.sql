-- REST API tokens (issue #13). The table of 0001 was never written (a role, no scopes): made anew.
-- token_hash: SHA-256 of the token, hex; the token itself is shown once and never stored.
-- prefix: the token's first characters, to tell tokens apart on the page.
-- scopes: comma-separated, of read, award, events, staff.
DROP TABLE api_tokens;
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES admins (id),
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT,
    revoked_by      BIGINT REFERENCES admins (id)
);

-- Idempotency-Key on POST /api/v1/awards: the first answer is kept for a day and replayed to a
-- request with the same key and body; the same key with another body is refused.
CREATE TABLE api_idempotency (
    token_id        BIGINT NOT NULL REFERENCES api_tokens (id),
    idem_key        TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (token_id, idem_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
