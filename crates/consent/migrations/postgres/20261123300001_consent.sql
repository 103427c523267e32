-- Consent grants: one row per request a service made of a citizen; its state moves from
-- requested to granted or declined, and a grant may later be revoked. "Expired" is not stored:
-- it is a granted row whose expires_at has passed, decided at read time.
CREATE TABLE consent_grants (
    id TEXT PRIMARY KEY,
    council_id BIGINT NOT NULL,
    service_slug TEXT NOT NULL,
    service_name TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    purpose TEXT NOT NULL,
    duration_seconds BIGINT NOT NULL,
    return_to TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_at BIGINT,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_read_at BIGINT
);
CREATE INDEX consent_grants_citizen ON consent_grants (citizen_id, requested_at);
CREATE INDEX consent_grants_council ON consent_grants (council_id, citizen_id);

-- The access log: every read of a register record about a citizen, allowed or refused, by a
-- service under a grant or by a member of staff. Append-only.
CREATE TABLE consent_access_log (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT NOT NULL,
    citizen_id TEXT NOT NULL,
    grant_id TEXT,
    service_slug TEXT,
    service_name TEXT,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT,
    register_council_id BIGINT NOT NULL,
    register_name TEXT NOT NULL,
    record_key TEXT NOT NULL,
    fields TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX consent_access_log_citizen ON consent_access_log (citizen_id, at, id);
CREATE INDEX consent_access_log_council ON consent_access_log (council_id, at);
