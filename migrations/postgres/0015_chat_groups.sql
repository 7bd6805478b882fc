-- Groups reached by chatid through chat/send (a third kind beside custom robots and app-robot
-- conversations), and groups the app made itself (issue #14 §3): how it made them, the owner
-- and the member count. Two more kinds of target are the winners themselves, 1:1 (§2): `oto`
-- (the app robot's single chat) and `notice` (a work notice); their shares name the people in
-- `recipients` (a JSON list of userIds).
ALTER TABLE share_groups DROP CONSTRAINT share_groups_kind_check;
ALTER TABLE share_groups ADD CONSTRAINT share_groups_kind_check
    CHECK (kind IN ('webhook', 'app', 'chat', 'oto', 'notice'));
ALTER TABLE share_groups
    ADD COLUMN chat_id      TEXT,
    ADD COLUMN made_via     TEXT CHECK (made_via IN ('scenegroup', 'chat/create')),
    ADD COLUMN owner_userid TEXT,
    ADD COLUMN member_count INTEGER;

ALTER TABLE shares ADD COLUMN recipients TEXT;
