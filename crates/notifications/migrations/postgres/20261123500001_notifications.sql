-- Notifications (GOV.UK Notify API v2). Every row carries the council that owns the service.
-- API keys keep their secret in the clear: Notify's JWTs are HS256-signed with the secret
-- itself, so the server must hold it to verify a token (a hash would not do).
CREATE TABLE notify_services (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE notify_api_keys (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    name TEXT NOT NULL,
    key_type TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX notify_api_keys_by_service ON notify_api_keys (service_id);

-- The current version of each template; every version (including the current) is in notify_template_versions.
CREATE TABLE notify_templates (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    template_type TEXT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX notify_templates_by_service ON notify_templates (service_id, template_type);

CREATE TABLE notify_template_versions (
    template_id TEXT NOT NULL REFERENCES notify_templates(id),
    council_id BIGINT NOT NULL REFERENCES councils(id),
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (template_id, version)
);

-- Notifications are also the outbox: rows in status 'created' (and due) are waiting for a worker.
CREATE TABLE notify_notifications (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    service_id TEXT NOT NULL REFERENCES notify_services(id),
    api_key_id TEXT NOT NULL,
    key_type TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    personalisation TEXT NOT NULL,
    reference TEXT,
    status TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    html TEXT,
    fragments BIGINT NOT NULL DEFAULT 0,
    postage TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    completed_at TEXT,
    provider TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL
);
CREATE INDEX notify_notifications_by_service ON notify_notifications (service_id, seq);
CREATE INDEX notify_notifications_outbox ON notify_notifications (status, due_at);

-- What the sandbox providers "sent": the dev page and tests read messages back from here.
CREATE TABLE notify_sandbox_messages (
    seq BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    notification_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    provider TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    html TEXT,
    sent_at TEXT NOT NULL
);
