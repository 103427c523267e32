-- Only bulk-sent notifications have a job: index those alone, so the single sends that make up
-- most of the outbox do not pay for one more index entry each.
DROP INDEX notify_notifications_by_job;
CREATE INDEX notify_notifications_by_job ON notify_notifications (job_id) WHERE job_id IS NOT NULL;
