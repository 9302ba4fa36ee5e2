CREATE TABLE scans (
    id          TEXT PRIMARY KEY,
    engine      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    spec        TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    stats       TEXT NOT NULL DEFAULT '{}',
    counts      TEXT NOT NULL DEFAULT '{}',
    score       TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX scans_engine_started ON scans (engine, started_at);

CREATE TABLE findings (
    scan_id     TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    confidence  INTEGER NOT NULL,
    owasp       TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL DEFAULT '',
    file        TEXT NOT NULL DEFAULT '',
    line        INTEGER NOT NULL DEFAULT 0,
    suppressed  INTEGER NOT NULL DEFAULT 0,
    body        TEXT NOT NULL,
    PRIMARY KEY (scan_id, seq)
);
CREATE INDEX findings_fingerprint ON findings (fingerprint);
CREATE INDEX findings_rule ON findings (rule_id);
