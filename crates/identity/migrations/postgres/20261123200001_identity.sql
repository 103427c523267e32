-- Identity: one citizen account per person for the whole instance (no council id), staff
-- accounts that each belong to one council, server-side sessions, one-time sign-in codes,
-- sign-in rate-limit events, passkeys and the sandbox mailbox. Secrets (session ids, codes)
-- are stored only as SHA-256 hashes. Times used for expiry are Unix seconds.
CREATE TABLE identity_citizens (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Links from an external OpenID Connect subject to the citizen it signs in as.
CREATE TABLE identity_external_subjects (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    citizen_id TEXT NOT NULL REFERENCES identity_citizens(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

CREATE TABLE identity_staff (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL REFERENCES councils(id),
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (council_id, email_key)
);

-- kind: anonymous | citizen | staff. pending: JSON of a journey in progress (code sign-in,
-- passkey ceremony), never a secret in the clear.
CREATE TABLE identity_sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id TEXT,
    csrf_token TEXT NOT NULL,
    pending TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL
);
CREATE INDEX identity_sessions_by_account ON identity_sessions (kind, account_id);

-- council_id is 0 for a citizen's code (citizens belong to no council).
CREATE TABLE identity_sign_in_codes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    council_id BIGINT NOT NULL,
    email_key TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    wrong_tries BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);

-- One row per counted event (a code request, a wrong code) in a bucket such as
-- 'code-request:email:a@b.c'; counted in the database so limits hold across nodes.
CREATE TABLE identity_rate_events (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX identity_rate_events_by_bucket ON identity_rate_events (bucket, at);

CREATE TABLE identity_passkeys (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES identity_citizens(id),
    credential_id TEXT NOT NULL UNIQUE,
    passkey TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX identity_passkeys_by_citizen ON identity_passkeys (citizen_id);

CREATE TABLE identity_sandbox_emails (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
