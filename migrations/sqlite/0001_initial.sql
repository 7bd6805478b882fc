-- Medal Hall: the first schema. Timestamps are UTC milliseconds since the Unix epoch (BIGINT)
-- on both backends, so the same SQL compares and sorts them the same way.

CREATE TABLE admins (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL DEFAULT '',
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'awarder', 'viewer')),
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- tower-sessions' table (the store's own column layout).
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);

CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT NOT NULL,
    ip          TEXT NOT NULL,
    success     BOOLEAN NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX login_attempts_username_at ON login_attempts (username, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);

-- Uploaded icons, re-encoded as PNG; addressed by the SHA-256 of the PNG so URLs never change.
CREATE TABLE icons (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256      TEXT NOT NULL UNIQUE,
    png         BLOB NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE medals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    criteria        TEXT NOT NULL DEFAULT '',
    icon_preset     TEXT,
    icon_id         BIGINT REFERENCES icons (id),
    tier            TEXT NOT NULL CHECK (tier IN ('none', 'bronze', 'silver', 'gold')),
    kind            TEXT NOT NULL CHECK (kind IN ('manual', 'automatic')),
    validity_days   INTEGER CHECK (validity_days IS NULL OR (validity_days BETWEEN 1 AND 366)),
    repeatable      BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at     BIGINT,
    created_by      BIGINT REFERENCES admins (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK ((icon_preset IS NULL) <> (icon_id IS NULL))
);
-- Names are unique among active medals only: an archived medal's name can be used again.
CREATE UNIQUE INDEX medals_active_name ON medals (name) WHERE archived_at IS NULL;

CREATE TABLE staff (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL,
    mobile              TEXT,
    dingtalk_user_id    TEXT,
    department          TEXT NOT NULL DEFAULT '',
    external_id         TEXT,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX staff_external_id ON staff (external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX staff_mobile ON staff (mobile) WHERE mobile IS NOT NULL;
CREATE INDEX staff_department ON staff (department);
CREATE INDEX staff_name ON staff (name);

CREATE TABLE rules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    medal_id        BIGINT NOT NULL REFERENCES medals (id),
    metric          TEXT NOT NULL,
    threshold       BIGINT NOT NULL CHECK (threshold > 0),
    window_days     INTEGER,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_by      BIGINT REFERENCES admins (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE awards (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    medal_id            BIGINT NOT NULL REFERENCES medals (id),
    staff_id            BIGINT NOT NULL REFERENCES staff (id),
    reason              TEXT NOT NULL,
    awarded_by_admin    BIGINT REFERENCES admins (id),
    awarded_by_rule     BIGINT REFERENCES rules (id),
    awarded_at          BIGINT NOT NULL,
    expires_at          BIGINT,
    public_token        TEXT NOT NULL UNIQUE,
    revoked_at          BIGINT,
    revoked_by          BIGINT REFERENCES admins (id),
    revoke_reason       TEXT,
    batch_id            TEXT
);
CREATE INDEX awards_medal ON awards (medal_id, awarded_at);
CREATE INDEX awards_staff ON awards (staff_id, awarded_at);
CREATE INDEX awards_awarded_at ON awards (awarded_at);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id        BIGINT NOT NULL REFERENCES staff (id),
    metric          TEXT NOT NULL,
    value           BIGINT NOT NULL DEFAULT 1,
    occurred_at     BIGINT NOT NULL,
    idempotency_key TEXT UNIQUE,
    received_at     BIGINT NOT NULL
);
CREATE INDEX events_staff_metric ON events (staff_id, metric, occurred_at);

-- Share targets: a custom robot (webhook) or an app-robot conversation. Secrets are encrypted.
CREATE TABLE share_groups (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    name                    TEXT NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('webhook', 'app')),
    webhook_token_enc       TEXT,
    sign_secret_enc         TEXT,
    keywords                TEXT NOT NULL DEFAULT '[]',
    open_conversation_id    TEXT,
    disabled                BOOLEAN NOT NULL DEFAULT FALSE,
    last_ok_at              BIGINT,
    last_error_at           BIGINT,
    last_error_code         TEXT,
    last_error_message      TEXT,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);

CREATE TABLE shares (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id            BIGINT NOT NULL REFERENCES share_groups (id),
    award_ids           TEXT NOT NULL,
    personal_message    TEXT NOT NULL DEFAULT '',
    card_style          TEXT NOT NULL DEFAULT 'action_card',
    status              TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'gave_up')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     BIGINT NOT NULL,
    lease_owner         TEXT,
    lease_until         BIGINT,
    msg_uuid            TEXT NOT NULL UNIQUE,
    message_json        TEXT,
    dingtalk_message_id TEXT,
    last_error_code     TEXT,
    last_error_message  TEXT,
    requested_by        BIGINT REFERENCES admins (id),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    sent_at             BIGINT
);
CREATE INDEX shares_due ON shares (status, next_attempt_at);
CREATE INDEX shares_group ON shares (group_id, created_at);

-- Sends per robot, counted in the database so several instances share DingTalk's 20/min limit.
CREATE TABLE robot_sends (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT NOT NULL REFERENCES share_groups (id),
    at          BIGINT NOT NULL
);
CREATE INDEX robot_sends_group_at ON robot_sends (group_id, at);

CREATE TABLE audit_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_id        BIGINT REFERENCES admins (id),
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT,
    before_json     TEXT,
    after_json      TEXT,
    at              BIGINT NOT NULL
);
CREATE INDEX audit_entries_at ON audit_entries (at);
CREATE INDEX audit_entries_object ON audit_entries (object_type, object_id);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'awarder', 'viewer')),
    created_by      BIGINT REFERENCES admins (id),
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
