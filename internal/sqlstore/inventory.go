package sqlstore

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/escarp/escarp"
)

var _ escarp.InventoryStore = (*DB)(nil)

// PutServices inserts or replaces services by name.
func (s *DB) PutServices(ctx context.Context, services []*escarp.Service) error {
	const op = "sqlstore.PutServices"
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO inv_services (name, body) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body`))
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	defer stmt.Close()
	for _, sv := range services {
		body, err := json.Marshal(sv)
		if err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
		if _, err := stmt.ExecContext(ctx, sv.Name, string(body)); err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	if err := tx.Commit(); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	return nil
}

// Services returns every service, by name.
func (s *DB) Services(ctx context.Context) ([]*escarp.Service, error) {
	const op = "sqlstore.Services"
	rows, err := s.sql.QueryContext(ctx, `SELECT body FROM inv_services ORDER BY name`)
	if err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.Service
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		sv := new(escarp.Service)
		if err := json.Unmarshal([]byte(body), sv); err != nil {
			return nil, &escarp.Error{Op: op, Message: "decoding a stored service", Err: err}
		}
		out = append(out, sv)
	}
	if err := rows.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	return out, nil
}

// PutEndpoints inserts or replaces endpoints by (service, method, template).
func (s *DB) PutEndpoints(ctx context.Context, endpoints []*escarp.Endpoint) error {
	const op = "sqlstore.PutEndpoints"
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO inv_endpoints (service, method, template, classification, body)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, method, template)
		DO UPDATE SET classification = excluded.classification, body = excluded.body`))
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	defer stmt.Close()
	for _, e := range endpoints {
		body, err := json.Marshal(e)
		if err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
		if _, err := stmt.ExecContext(ctx, e.Service, e.Method, e.Template, e.Classification, string(body)); err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	if err := tx.Commit(); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	return nil
}

// Endpoints returns matching endpoints ordered by service, template and
// method.
func (s *DB) Endpoints(ctx context.Context, f escarp.EndpointFilter) ([]*escarp.Endpoint, error) {
	q, args := `SELECT body FROM inv_endpoints WHERE 1=1`, []any{}
	if f.Service != "" {
		q, args = q+` AND service = ?`, append(args, f.Service)
	}
	if f.Classification != "" {
		q, args = q+` AND classification = ?`, append(args, f.Classification)
	}
	return s.queryEndpoints(ctx, "sqlstore.Endpoints", q+` ORDER BY service, template, method`, args...)
}

func (s *DB) queryEndpoints(ctx context.Context, op, q string, args ...any) ([]*escarp.Endpoint, error) {
	rows, err := s.sql.QueryContext(ctx, s.Rebind(q), args...)
	if err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.Endpoint
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		e := new(escarp.Endpoint)
		if err := json.Unmarshal([]byte(body), e); err != nil {
			return nil, &escarp.Error{Op: op, Message: "decoding a stored endpoint", Err: err}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	return out, nil
}

// PutTemplateRule records a templating decision and sets r.ID.
func (s *DB) PutTemplateRule(ctx context.Context, r *escarp.TemplateRule) error {
	const op = "sqlstore.PutTemplateRule"
	if r.Template == "" && r.Literal == "" {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "a templating rule needs a template or a literal path"}
	}
	if r.Created.IsZero() {
		r.Created = s.Now()
	}
	err := s.sql.QueryRowContext(ctx, s.Rebind(`INSERT INTO inv_template_rules (service, template, literal, note, created)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), r.Service, r.Template, r.Literal, r.Note, r.Created.UTC().Format(timeFormat)).Scan(&r.ID)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	return nil
}

// TemplateRules returns every templating decision, oldest first.
func (s *DB) TemplateRules(ctx context.Context) ([]*escarp.TemplateRule, error) {
	const op = "sqlstore.TemplateRules"
	rows, err := s.sql.QueryContext(ctx, `SELECT id, service, template, literal, note, created FROM inv_template_rules ORDER BY id`)
	if err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.TemplateRule
	for rows.Next() {
		r := new(escarp.TemplateRule)
		var created string
		if err := rows.Scan(&r.ID, &r.Service, &r.Template, &r.Literal, &r.Note, &created); err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		r.Created, _ = time.Parse(timeFormat, created)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	return out, nil
}

// DeleteTemplateRule removes a templating decision; a missing id is
// NotFound.
func (s *DB) DeleteTemplateRule(ctx context.Context, id int64) error {
	const op = "sqlstore.DeleteTemplateRule"
	res, err := s.sql.ExecContext(ctx, s.Rebind(`DELETE FROM inv_template_rules WHERE id = ?`), id)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &escarp.Error{Op: op, Kind: escarp.NotFound, Message: "no templating rule with that id"}
	}
	return nil
}

// PutSnapshot copies the current endpoints into a new snapshot, filling
// sn.ID, sn.Created and sn.Endpoints.
func (s *DB) PutSnapshot(ctx context.Context, sn *escarp.Snapshot) error {
	const op = "sqlstore.PutSnapshot"
	if sn.ID == "" {
		sn.ID = NewID()
	}
	if sn.Created.IsZero() {
		sn.Created = s.Now()
	}
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO inv_snapshots (id, name, created, endpoints) VALUES (?, ?, ?, 0)`),
		sn.ID, sn.Name, sn.Created.UTC().Format(timeFormat)); err != nil {
		if isUnique(err) {
			return &escarp.Error{Op: op, Kind: escarp.Conflict, Message: "snapshot " + sn.ID + " already exists", Err: err}
		}
		return &escarp.Error{Op: op, Err: err}
	}
	res, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO inv_snapshot_endpoints (snapshot_id, service, method, template, body)
		SELECT ?, service, method, template, body FROM inv_endpoints`), sn.ID)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	n, _ := res.RowsAffected()
	sn.Endpoints = int(n)
	if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE inv_snapshots SET endpoints = ? WHERE id = ?`), sn.Endpoints, sn.ID); err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	if err := tx.Commit(); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	return nil
}

// Snapshots returns every snapshot, oldest first.
func (s *DB) Snapshots(ctx context.Context) ([]*escarp.Snapshot, error) {
	const op = "sqlstore.Snapshots"
	rows, err := s.sql.QueryContext(ctx, `SELECT id, name, created, endpoints FROM inv_snapshots`)
	if err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.Snapshot
	for rows.Next() {
		sn := new(escarp.Snapshot)
		var created string
		if err := rows.Scan(&sn.ID, &sn.Name, &created, &sn.Endpoints); err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		sn.Created, _ = time.Parse(timeFormat, created)
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// SnapshotEndpoints returns the endpoints saved in a snapshot; an unknown
// id is NotFound.
func (s *DB) SnapshotEndpoints(ctx context.Context, id string) ([]*escarp.Endpoint, error) {
	const op = "sqlstore.SnapshotEndpoints"
	var n int
	if err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM inv_snapshots WHERE id = ? OR name = ?`), id, id).Scan(&n); err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	if n == 0 {
		return nil, &escarp.Error{Op: op, Kind: escarp.NotFound, Message: "no snapshot " + id}
	}
	return s.queryEndpoints(ctx, op, `SELECT e.body FROM inv_snapshot_endpoints e JOIN inv_snapshots s ON s.id = e.snapshot_id
		WHERE s.id = ? OR s.name = ? ORDER BY e.service, e.template, e.method`, id, id)
}
