-- The model and ranking of each threat run (its findings are in findings).
CREATE TABLE threat_models (
    scan_id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    model   TEXT NOT NULL,
    ranking TEXT NOT NULL
);
CREATE INDEX threat_models_created ON threat_models (created);
