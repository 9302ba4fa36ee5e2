CREATE TABLE learn_progress (
    lesson     TEXT PRIMARY KEY,
    step       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
