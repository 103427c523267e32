-- Text messages residents sent to a service's number (GET /v2/received-text-messages), and the
-- counters behind Notify's rate limits, kept in the database so every node shares them.
CREATE TABLE notify_received_texts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    user_number TEXT NOT NULL,
    notify_number TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX notify_received_texts_by_service ON notify_received_texts (service_id, seq);

-- One token bucket per API key: tokens left and when they were last counted (ms since the epoch).
CREATE TABLE notify_rate_buckets (
    key_id TEXT PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    tokens REAL NOT NULL,
    updated_ms INTEGER NOT NULL
);

-- Notifications sent per service per UTC day (the daily limit).
CREATE TABLE notify_daily_counts (
    service_id TEXT NOT NULL,
    day TEXT NOT NULL,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    sent INTEGER NOT NULL,
    PRIMARY KEY (service_id, day)
);
