-- Sharing (issue #5): a share request groups the outbox rows one submission made (one per group),
-- and remembers the card options chosen. Group health keeps the last error's explanation codes
-- (already in share_groups); the outbox claim reads (status, next_attempt_at) and expired leases.
ALTER TABLE shares ADD COLUMN request_id TEXT;
ALTER TABLE shares ADD COLUMN options_json TEXT NOT NULL DEFAULT '{}';
CREATE INDEX shares_request ON shares (request_id);
CREATE INDEX shares_status_lease ON shares (status, lease_until);
