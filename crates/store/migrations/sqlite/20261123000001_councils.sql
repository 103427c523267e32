-- Councils are the tenants of an instance: every council-owned row elsewhere carries a council id.
CREATE TABLE councils (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
