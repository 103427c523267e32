-- Service definitions: every published version of a council's service, kept for ever so an
-- application can finish on the version it started on.
CREATE TABLE service_definitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id BIGINT NOT NULL,
    slug TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (council_id, slug, version)
);

-- Applications: a citizen's answers so far, saved page by page; `state` moves from draft to
-- submitted exactly once.
CREATE TABLE service_applications (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL,
    definition_id BIGINT NOT NULL REFERENCES service_definitions (id),
    service_slug TEXT NOT NULL,
    citizen TEXT NOT NULL,
    state TEXT NOT NULL,
    answers TEXT NOT NULL,
    payment_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX service_applications_citizen ON service_applications (council_id, citizen);

-- Cases: one per submitted application (the UNIQUE makes a second submission impossible).
CREATE TABLE service_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id BIGINT NOT NULL,
    application_id TEXT NOT NULL UNIQUE REFERENCES service_applications (id),
    definition_id BIGINT NOT NULL REFERENCES service_definitions (id),
    service_slug TEXT NOT NULL,
    reference TEXT NOT NULL,
    citizen TEXT NOT NULL,
    state TEXT NOT NULL,
    reasons TEXT NOT NULL,
    answers TEXT NOT NULL,
    evidence TEXT NOT NULL,
    fee_pence BIGINT,
    payment_id TEXT,
    assigned_to TEXT,
    decision_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (council_id, reference)
);
CREATE INDEX service_cases_queue ON service_cases (council_id, service_slug, state);

-- A case's history, append-only.
CREATE TABLE service_case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES service_cases (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX service_case_events_case ON service_case_events (council_id, case_id, id);

-- Work that leaves the engine (notifications, register outputs, webhooks), written in the same
-- transaction as the case change that causes it and delivered at least once with its key.
CREATE TABLE service_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES service_cases (id),
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_at TEXT,
    done_at TEXT,
    result TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX service_outbox_pending ON service_outbox (done_at, id);
