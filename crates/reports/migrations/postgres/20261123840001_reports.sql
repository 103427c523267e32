-- Report a problem: bodies (each council's routing data), reports, where each went, public
-- updates, Open311 API keys and the sending queue. Every row carries its council.
CREATE TABLE reports_bodies (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reports_bodies_council ON reports_bodies (council_id);

CREATE TABLE reports_body_history (
    body_id TEXT NOT NULL,
    council_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (body_id, version)
);

CREATE TABLE reports_reports (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    address TEXT,
    attributes TEXT NOT NULL,
    status TEXT NOT NULL,
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_phone TEXT,
    account_id TEXT,
    source TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reports_reports_council ON reports_reports (council_id, created_at);

CREATE TABLE reports_photos (
    report_id BIGINT PRIMARY KEY REFERENCES reports_reports(id),
    council_id BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL
);

CREATE TABLE reports_destinations (
    report_id BIGINT NOT NULL REFERENCES reports_reports(id),
    council_id BIGINT NOT NULL,
    body_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    route TEXT NOT NULL,
    state TEXT NOT NULL,
    external_id TEXT,
    failure TEXT,
    sent_at TEXT,
    PRIMARY KEY (report_id, body_id)
);
CREATE INDEX reports_destinations_body ON reports_destinations (council_id, body_id);

CREATE TABLE reports_updates (
    id BIGSERIAL PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports_reports(id),
    council_id BIGINT NOT NULL,
    body_id TEXT,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reports_updates_report ON reports_updates (report_id);

CREATE TABLE reports_api_keys (
    key_hash TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL,
    body_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE reports_jobs (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL,
    report_id BIGINT NOT NULL,
    body_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    due_at TEXT NOT NULL,
    last_error TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reports_jobs_due ON reports_jobs (state, due_at);
