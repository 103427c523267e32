-- The citizen's pages: a report's title and whether the reporter's name is shown publicly,
-- and the drafts a citizen's answers are kept in between the steps of "Report a problem"
-- (a report is stored only on the final submit; the draft's token becomes the report's token,
-- so a replayed submit finds the same report). Every row carries its council.
ALTER TABLE reports_reports ADD COLUMN title TEXT;
ALTER TABLE reports_reports ADD COLUMN show_name BIGINT NOT NULL DEFAULT 0;

CREATE TABLE reports_drafts (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    session_hash TEXT NOT NULL,
    answers TEXT NOT NULL,
    photo_type TEXT,
    photo BLOB,
    token TEXT NOT NULL UNIQUE,
    report_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reports_drafts_created ON reports_drafts (created_at);
