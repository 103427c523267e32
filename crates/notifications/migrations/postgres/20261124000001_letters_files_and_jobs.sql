-- Precompiled letters' PDFs (base64), files sent by link from emails (base64, with who may
-- download them and until when), and bulk-send jobs. Every row carries its council.
CREATE TABLE notify_letter_pdfs (
    notification_id TEXT PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    pdf TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE notify_files (
    id TEXT PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    notification_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    filename TEXT,
    mime_type TEXT NOT NULL,
    content TEXT NOT NULL,
    size INTEGER NOT NULL,
    confirm_email INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX notify_files_by_service ON notify_files (service_id, id);

-- One bulk send: its rows (JSON, header first) are turned into notifications by the workers,
-- a chunk at a time; rows_processed says how far they got.
CREATE TABLE notify_jobs (
    id TEXT PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    template_id TEXT NOT NULL,
    api_key_id TEXT NOT NULL,
    key_type TEXT NOT NULL,
    name TEXT NOT NULL,
    reference TEXT,
    rows_json TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_processed INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX notify_jobs_by_service ON notify_jobs (service_id, created_at);
CREATE INDEX notify_jobs_pending ON notify_jobs (status);

ALTER TABLE notify_notifications ADD COLUMN job_id TEXT;
CREATE INDEX notify_notifications_by_job ON notify_notifications (job_id);
