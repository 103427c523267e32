-- Payments (GOV.UK Pay API v1). Every row carries the council that owns it. No card number is
-- ever stored: only the brand and the last four digits.
CREATE TABLE pay_api_keys (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    key_type TEXT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE pay_payments (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    key_type TEXT NOT NULL,
    amount BIGINT NOT NULL,
    reference TEXT NOT NULL,
    description TEXT NOT NULL,
    return_url TEXT NOT NULL,
    email TEXT,
    language TEXT NOT NULL,
    delayed_capture BIGINT NOT NULL,
    metadata TEXT,
    prefilled TEXT,
    state TEXT NOT NULL,
    failure_code TEXT,
    failure_message TEXT,
    card_brand TEXT,
    last_digits TEXT,
    expiry_date TEXT,
    cardholder_name TEXT,
    billing_address TEXT,
    provider TEXT NOT NULL,
    provider_id TEXT,
    next_url_token TEXT,
    session_token TEXT,
    captured_amount BIGINT NOT NULL DEFAULT 0,
    refunded_amount BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    captured_at TEXT,
    idempotency_key TEXT,
    request_hash TEXT
);
CREATE INDEX pay_payments_by_council ON pay_payments (council_id, created_at);
CREATE UNIQUE INDEX pay_payments_idempotency ON pay_payments (council_id, key_type, idempotency_key);
CREATE UNIQUE INDEX pay_payments_next_url ON pay_payments (next_url_token);

CREATE TABLE pay_events (
    seq BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    payment_id TEXT NOT NULL REFERENCES pay_payments(id),
    state TEXT NOT NULL,
    failure_code TEXT,
    updated TEXT NOT NULL
);
CREATE INDEX pay_events_by_payment ON pay_events (payment_id, seq);

CREATE TABLE pay_refunds (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    payment_id TEXT NOT NULL REFERENCES pay_payments(id),
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pay_refunds_by_council ON pay_refunds (council_id, created_at);

-- Double entry: every movement is two rows whose amounts sum to zero (debit +, credit -).
CREATE TABLE pay_ledger (
    seq BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    payment_id TEXT NOT NULL,
    refund_id TEXT,
    account TEXT NOT NULL,
    fund TEXT NOT NULL,
    cost_centre TEXT NOT NULL,
    amount BIGINT NOT NULL,
    day TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pay_ledger_by_day ON pay_ledger (council_id, day);

CREATE TABLE pay_webhooks (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL
);

CREATE TABLE pay_webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    webhook_id BIGINT NOT NULL REFERENCES pay_webhooks(id),
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    last_error TEXT
);
CREATE INDEX pay_webhook_deliveries_due ON pay_webhook_deliveries (delivered_at, next_attempt_at);
CREATE UNIQUE INDEX pay_payments_session ON pay_payments (session_token);
