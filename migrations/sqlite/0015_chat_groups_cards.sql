-- Groups reached by chatid through chat/send (a third kind beside custom robots and app-robot
-- conversations), and groups the app made itself (issue #14 §3): how it made them, the owner
-- and the member count. Two more kinds of target are the winners themselves, 1:1 (§2): `oto`
-- (the app robot's single chat) and `notice` (a work notice); their shares name the people in
-- `recipients` (a JSON list of userIds).
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt. The migrator runs this in
-- a transaction, where foreign keys cannot be switched off; they are deferred instead: dropping
-- the table leaves the shares' references dangling for a moment, and inserting the same ids
-- into the new table (of the same name) settles them before the commit checks.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE share_groups_copy AS SELECT * FROM share_groups;
CREATE TEMP TABLE share_groups_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'share_groups';
DROP TABLE share_groups;
CREATE TABLE share_groups (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    name                    TEXT NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('webhook', 'app', 'chat', 'oto', 'notice', 'honour')),
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
    updated_at              BIGINT NOT NULL,
    chat_id                 TEXT,
    made_via                TEXT CHECK (made_via IN ('scenegroup', 'chat/create')),
    owner_userid            TEXT,
    member_count            INTEGER
);
INSERT INTO share_groups (id, name, kind, webhook_token_enc, sign_secret_enc, keywords,
    open_conversation_id, disabled, last_ok_at, last_error_at, last_error_code,
    last_error_message, created_at, updated_at)
SELECT id, name, kind, webhook_token_enc, sign_secret_enc, keywords, open_conversation_id,
    disabled, last_ok_at, last_error_at, last_error_code, last_error_message, created_at,
    updated_at
FROM share_groups_copy;
-- ids are never reused: the sequence goes on from where the old table's was
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT seq FROM share_groups_seq))
WHERE name = 'share_groups' AND EXISTS (SELECT 1 FROM share_groups_seq);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'share_groups', seq FROM share_groups_seq
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'share_groups');
DROP TABLE share_groups_copy;
DROP TABLE share_groups_seq;

ALTER TABLE shares ADD COLUMN recipients TEXT;

-- Card templates (互动卡片, issue #14 §1): DingTalk's template id and which medal field fills
-- each of its variables. A template card share keeps its template and data in `card_json` and
-- its outTrackId in `dingtalk_message_id`.
CREATE TABLE card_templates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    template_id TEXT NOT NULL,
    mapping     TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
ALTER TABLE shares ADD COLUMN card_json TEXT;

-- A rule can tell its winners 1:1 too ('' none, 'oto' or 'notice', as the award form).
ALTER TABLE rules ADD COLUMN tell TEXT NOT NULL DEFAULT '';

-- A medal published to DingTalk's organisation honours (§4): the honour's id, who sends its
-- grants (an admin's userId) and when. Grants and recalls go through the outbox to a target of
-- kind `honour`.
ALTER TABLE medals ADD COLUMN honor_id TEXT;
ALTER TABLE medals ADD COLUMN honor_sender TEXT;
ALTER TABLE medals ADD COLUMN honor_published_at BIGINT;
-- the groups (openConversationIds, JSON) a grant notifies: at most 5, the sender in each
ALTER TABLE medals ADD COLUMN honor_notify TEXT NOT NULL DEFAULT '[]';
