-- Registers: append-only logs of entries pointing at content-addressed items, with the hashes of
-- every complete Merkle subtree so that roots and proofs never rebuild the tree.
-- council_id is NULL for national registers and carried by every row a council owns.
CREATE TABLE registers (
    id BIGSERIAL PRIMARY KEY,
    council_id BIGINT REFERENCES councils(id),
    name TEXT NOT NULL,
    open BIGINT NOT NULL DEFAULT 1,
    user_size BIGINT NOT NULL DEFAULT 0,
    system_size BIGINT NOT NULL DEFAULT 0,
    item_lines BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX registers_by_owner_and_name ON registers (COALESCE(council_id, 0), name);

CREATE TABLE items (
    register_id BIGINT NOT NULL REFERENCES registers(id),
    council_id BIGINT,
    hash BYTEA NOT NULL,
    position BIGINT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (register_id, hash)
);

-- An RSF file may add the same item twice; the repeat is kept so the file exports byte for byte.
CREATE TABLE item_repeats (
    register_id BIGINT NOT NULL REFERENCES registers(id),
    council_id BIGINT,
    position BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (register_id, position)
);

-- log: 0 = user (in the Merkle tree), 1 = system (register metadata).
-- merkle_hashes: the hashes of the perfect subtrees that appending this user entry completed,
-- level 0 (its leaf hash) first, then each parent upward: the node over leaves
-- [i << l, (i + 1) << l) lives in entry number (i + 1) << l at bytes [32 l, 32 l + 32).
-- So every complete subtree's hash is stored exactly once, with no extra rows to write.
CREATE TABLE entries (
    register_id BIGINT NOT NULL REFERENCES registers(id),
    council_id BIGINT,
    log BIGINT NOT NULL,
    entry_number BIGINT NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    timestamp TEXT NOT NULL,
    item_hashes TEXT NOT NULL,
    merkle_hashes BYTEA,
    PRIMARY KEY (register_id, log, entry_number)
);
CREATE INDEX entries_by_key ON entries (register_id, key, log, entry_number);

-- Custodian API keys: only a SHA-256 of the secret is kept.
CREATE TABLE register_keys (
    id BIGSERIAL PRIMARY KEY,
    register_id BIGINT NOT NULL REFERENCES registers(id),
    council_id BIGINT,
    secret_hash BYTEA NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The instance's Ed25519 key for signing checkpoints (shared by every node of the instance).
CREATE TABLE checkpoint_keys (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    secret BYTEA NOT NULL,
    public_key BYTEA NOT NULL,
    created_at TEXT NOT NULL
);

-- Signed tree heads as published, in the C2SP tlog-checkpoint note format.
CREATE TABLE checkpoints (
    register_id BIGINT NOT NULL REFERENCES registers(id),
    council_id BIGINT,
    size BIGINT NOT NULL,
    root BYTEA NOT NULL,
    published_at TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (register_id, size)
);
