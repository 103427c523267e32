-- Every accepted notification is written twice on its way out (the insert, then the record of
-- its hand-off), so what each write maintains is most of PostgreSQL's share of a send:
-- * the outbox index now holds only rows still to send ('created', or 'sending' until their
--   hand-off is recorded): a delivered or failed row leaves it, so recording a hand-off adds no
--   entry there and the index stays the size of the queue, not of the history. The claim's
--   condition (status 'created', or 'sending' with no sent_at) implies the predicate, so the
--   claim still uses it;
-- * the two foreign keys are dropped: each checked (and share-locked) the council's and the
--   service's rows for every inserted notification, while the only writer of this table takes
--   both ids from the API key it has just verified, and councils and Notify services are never
--   deleted. bench/notifications measured +10 % accepted/s on PostgreSQL from these two changes.
ALTER TABLE notify_notifications
    DROP CONSTRAINT IF EXISTS notify_notifications_council_id_fkey,
    DROP CONSTRAINT IF EXISTS notify_notifications_service_id_fkey;
DROP INDEX IF EXISTS notify_notifications_outbox;
CREATE INDEX notify_notifications_outbox ON notify_notifications (status, due_at)
    WHERE status IN ('created', 'sending');
