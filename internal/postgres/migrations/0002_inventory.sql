CREATE TABLE inv_services (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL
);

CREATE TABLE inv_endpoints (
    service        TEXT NOT NULL,
    method         TEXT NOT NULL,
    template       TEXT NOT NULL,
    classification TEXT NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (service, method, template)
);
CREATE INDEX inv_endpoints_class ON inv_endpoints (classification);

CREATE TABLE inv_template_rules (
    id       BIGSERIAL PRIMARY KEY,
    service  TEXT NOT NULL DEFAULT '',
    template TEXT NOT NULL DEFAULT '',
    literal  TEXT NOT NULL DEFAULT '',
    note     TEXT NOT NULL DEFAULT '',
    created  TEXT NOT NULL
);

CREATE TABLE inv_snapshots (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    created   TEXT NOT NULL,
    endpoints INTEGER NOT NULL
);

CREATE TABLE inv_snapshot_endpoints (
    snapshot_id TEXT NOT NULL REFERENCES inv_snapshots (id) ON DELETE CASCADE,
    service     TEXT NOT NULL,
    method      TEXT NOT NULL,
    template    TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, service, method, template)
);
