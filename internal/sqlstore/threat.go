package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/escarp/escarp"
)

var _ escarp.ThreatStore = (*DB)(nil)

// PutThreatModel records (or replaces) the threat model of a scan.
func (s *DB) PutThreatModel(ctx context.Context, r *escarp.ThreatModelRecord) error {
	const op = "sqlstore.PutThreatModel"
	if r == nil || r.ScanID == "" || r.Model == nil {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "a threat model record needs a scan id and a model"}
	}
	model, err := json.Marshal(r.Model)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	ranking, err := json.Marshal(r.Ranking)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	created := r.Created
	if created.IsZero() {
		created = time.Now()
	}
	_, err = s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO threat_models (scan_id, created, model, ranking) VALUES (?, ?, ?, ?)
		ON CONFLICT (scan_id) DO UPDATE SET created = excluded.created, model = excluded.model, ranking = excluded.ranking`),
		r.ScanID, created.UTC().Format(timeFormat), string(model), string(ranking))
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	return nil
}

// LatestThreatModel returns the newest threat model recorded.
func (s *DB) LatestThreatModel(ctx context.Context) (*escarp.ThreatModelRecord, error) {
	const op = "sqlstore.LatestThreatModel"
	var r escarp.ThreatModelRecord
	var created, model, ranking string
	err := s.sql.QueryRowContext(ctx, `SELECT scan_id, created, model, ranking FROM threat_models ORDER BY created DESC, scan_id DESC LIMIT 1`).
		Scan(&r.ScanID, &created, &model, &ranking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &escarp.Error{Op: op, Kind: escarp.NotFound, Message: "no threat model recorded"}
	}
	if err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	r.Created, _ = time.Parse(timeFormat, created)
	r.Model = new(escarp.ThreatModel)
	if err := json.Unmarshal([]byte(model), r.Model); err != nil {
		return nil, &escarp.Error{Op: op, Message: "decoding a stored threat model", Err: err}
	}
	if err := json.Unmarshal([]byte(ranking), &r.Ranking); err != nil {
		return nil, &escarp.Error{Op: op, Message: "decoding a stored ranking", Err: err}
	}
	return &r, nil
}
