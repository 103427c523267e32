-- Who a team key may send to (Notify's team members and guest list), normalised: emails in
-- lower case, phone numbers as 447….
CREATE TABLE notify_guest_list (
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    council_id BIGINT NOT NULL REFERENCES councils(id),
    recipient TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (service_id, recipient)
);

-- A service's delivery-status callback: where Notify-shaped status updates are POSTed, with a bearer token.
CREATE TABLE notify_callback_settings (
    service_id TEXT PRIMARY KEY REFERENCES notify_services(id),
    council_id BIGINT NOT NULL REFERENCES councils(id),
    url TEXT NOT NULL,
    bearer_token TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The callback outbox: one row per final status to tell a service about, retried with back-off.
CREATE TABLE notify_callbacks (
    seq BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    delivered_at TEXT,
    failed_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notify_callbacks_outbox ON notify_callbacks (delivered_at, failed_at, due_at);
