-- Registers: append-only logs of entries pointing at content-addressed items, with the hashes of
-- every complete Merkle subtree so that roots and proofs never rebuild the tree.
-- council_id is NULL for national registers and carried by every row a council owns.
CREATE TABLE registers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id INTEGER REFERENCES councils(id),
    name TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1,
    user_size INTEGER NOT NULL DEFAULT 0,
    system_size INTEGER NOT NULL DEFAULT 0,
    item_lines INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX registers_by_owner_and_name ON registers (COALESCE(council_id, 0), name);

-- A rowid table (rows land at its end) with a small unique index by hash: cheaper to insert
-- into than a table clustered on random hashes.
CREATE TABLE items (
    register_id INTEGER NOT NULL REFERENCES registers(id),
    council_id INTEGER,
    hash BLOB NOT NULL,
    position INTEGER NOT NULL,
    content TEXT NOT NULL
);
CREATE UNIQUE INDEX items_by_hash ON items (register_id, hash);

-- An RSF file may add the same item twice; the repeat is kept so the file exports byte for byte.
CREATE TABLE item_repeats (
    register_id INTEGER NOT NULL REFERENCES registers(id),
    council_id INTEGER,
    position INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (register_id, position)
) WITHOUT ROWID;

-- log: 0 = user (in the Merkle tree), 1 = system (register metadata).
-- merkle_hashes: the hashes of the perfect subtrees that appending this user entry completed,
-- level 0 (its leaf hash) first, then each parent upward: the node over leaves
-- [i << l, (i + 1) << l) lives in entry number (i + 1) << l at bytes [32 l, 32 l + 32).
-- So every complete subtree's hash is stored exactly once, with no extra rows to write.
CREATE TABLE entries (
    register_id INTEGER NOT NULL REFERENCES registers(id),
    council_id INTEGER,
    log INTEGER NOT NULL,
    entry_number INTEGER NOT NULL,
    key TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    item_hashes TEXT NOT NULL,
    merkle_hashes BLOB,
    PRIMARY KEY (register_id, log, entry_number)
) WITHOUT ROWID;
CREATE INDEX entries_by_key ON entries (register_id, key, log, entry_number);

-- Custodian API keys: only a SHA-256 of the secret is kept.
CREATE TABLE register_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    register_id INTEGER NOT NULL REFERENCES registers(id),
    council_id INTEGER,
    secret_hash BLOB NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The instance's Ed25519 key for signing checkpoints (shared by every node of the instance).
CREATE TABLE checkpoint_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    secret BLOB NOT NULL,
    public_key BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- Signed tree heads as published, in the C2SP tlog-checkpoint note format.
CREATE TABLE checkpoints (
    register_id INTEGER NOT NULL REFERENCES registers(id),
    council_id INTEGER,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    published_at TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (register_id, size)
) WITHOUT ROWID;
