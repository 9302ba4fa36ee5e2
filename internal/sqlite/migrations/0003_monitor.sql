-- escarp monitor: blocks the proxy enforces (--block), listed and lifted
-- with escarp monitor blocks. Times are RFC 3339 UTC text.
CREATE TABLE monitor_blocks (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,            -- principal or client
    subject  TEXT NOT NULL,            -- a verified principal or a client address
    rule_id  TEXT NOT NULL,
    reason   TEXT NOT NULL DEFAULT '',
    status   INTEGER NOT NULL,         -- 429 or 403
    created  TEXT NOT NULL,
    expires  TEXT NOT NULL,
    lifted   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitor_blocks_subject ON monitor_blocks (kind, subject);
