-- Claims that make issuing a parking permit idempotent: one row per council and application
-- reference, taken before the permit is appended to the council's parking-permit register.
CREATE TABLE parking_permit_claims (
    council_id BIGINT NOT NULL REFERENCES councils(id),
    application_ref TEXT NOT NULL,
    permit_number TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (council_id, application_ref)
);
