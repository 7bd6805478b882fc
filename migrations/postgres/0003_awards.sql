-- Awards: the non-repeatable guard looks up a medal's holders among the recipients; "share
-- after awarding" and the awards list find a batch.
CREATE INDEX awards_medal_staff ON awards (medal_id, staff_id);
CREATE INDEX awards_batch ON awards (batch_id);
