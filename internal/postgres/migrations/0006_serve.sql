-- escarp serve: tokens, sessions, projects, runs (jobs), schedule fires,
-- fingerprint history with triage, and the audit log.
CREATE TABLE serve_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE serve_sessions (
    hash       TEXT PRIMARY KEY,
    token_id   TEXT NOT NULL REFERENCES serve_tokens (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE serve_projects (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    webhook    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE serve_runs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES serve_projects (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    trigger_by  TEXT NOT NULL,
    state       TEXT NOT NULL,
    scan_id     TEXT NOT NULL DEFAULT '',
    worker      TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    counts      TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    started_at  TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, seq)
);
CREATE INDEX serve_runs_state ON serve_runs (state, created_at);

CREATE TABLE serve_fires (
    project_id TEXT NOT NULL REFERENCES serve_projects (id) ON DELETE CASCADE,
    fire_at    TEXT NOT NULL,
    node       TEXT NOT NULL,
    run_id     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, fire_at)
);

CREATE TABLE serve_findings (
    project_id  TEXT NOT NULL REFERENCES serve_projects (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    engine      TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL DEFAULT '',
    first_run   INTEGER NOT NULL,
    last_run    INTEGER NOT NULL,
    fixed_run   INTEGER NOT NULL DEFAULT 0,
    reopened    INTEGER NOT NULL DEFAULT 0,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open',
    reason      TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    ticket      TEXT NOT NULL DEFAULT '',
    expires     TEXT NOT NULL DEFAULT '',
    updated_by  TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, fingerprint)
);
CREATE INDEX serve_findings_sev ON serve_findings (project_id, severity);

CREATE TABLE serve_audit (
    id     TEXT PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX serve_audit_at ON serve_audit (at);
