package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

var _ escarp.ServeStore = (*DB)(nil)

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

func notFound(op, what string) error {
	return &escarp.Error{Op: op, Kind: escarp.NotFound, Message: what + " not found"}
}

// PutToken records a token, filling its ID and creation time when empty.
func (s *DB) PutToken(ctx context.Context, t *escarp.APIToken) error {
	if t.ID == "" {
		t.ID = NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.Now()
	}
	_, err := s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO serve_tokens (id, name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, t.Name, string(t.Role), t.Hash, ts(t.CreatedAt), t.CreatedBy)
	if err != nil {
		if isUnique(err) {
			return &escarp.Error{Op: "sqlstore.PutToken", Kind: escarp.Conflict, Message: "token exists", Err: err}
		}
		return &escarp.Error{Op: "sqlstore.PutToken", Err: err}
	}
	return nil
}

const tokenCols = `id, name, role, hash, created_at, created_by` // #nosec G101 -- column names, not a credential

func scanToken(row interface{ Scan(...any) error }) (*escarp.APIToken, error) {
	var t escarp.APIToken
	var role, created string
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &created, &t.CreatedBy); err != nil {
		return nil, err
	}
	t.Role, t.CreatedAt = escarp.Role(role), parseTS(created)
	return &t, nil
}

// TokenByHash returns the token whose secret hashes to hash.
func (s *DB) TokenByHash(ctx context.Context, hash string) (*escarp.APIToken, error) {
	t, err := scanToken(s.sql.QueryRowContext(ctx, s.Rebind(`SELECT `+tokenCols+` FROM serve_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.TokenByHash", "token")
	}
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.TokenByHash", Err: err}
	}
	return t, nil
}

// ListTokens returns every token, oldest first.
func (s *DB) ListTokens(ctx context.Context) ([]*escarp.APIToken, error) {
	rows, err := s.sql.QueryContext(ctx, `SELECT `+tokenCols+` FROM serve_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.ListTokens", Err: err}
	}
	defer rows.Close()
	var out []*escarp.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, &escarp.Error{Op: "sqlstore.ListTokens", Err: err}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken removes a token and its sessions.
func (s *DB) DeleteToken(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "sqlstore.DeleteToken", "token "+id, `DELETE FROM serve_tokens WHERE id = ?`, id)
}

func (s *DB) deleteOne(ctx context.Context, op, what, q string, args ...any) error {
	res, err := s.sql.ExecContext(ctx, s.Rebind(q), args...)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(op, what)
	}
	return nil
}

// CountTokens returns how many tokens exist.
func (s *DB) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM serve_tokens`).Scan(&n); err != nil {
		return 0, &escarp.Error{Op: "sqlstore.CountTokens", Err: err}
	}
	return n, nil
}

// PutSession records a dashboard session.
func (s *DB) PutSession(ctx context.Context, se *escarp.Session) error {
	_, err := s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO serve_sessions (hash, token_id, csrf, expires_at) VALUES (?, ?, ?, ?)`),
		se.Hash, se.TokenID, se.CSRF, ts(se.ExpiresAt))
	if err != nil {
		return &escarp.Error{Op: "sqlstore.PutSession", Err: err}
	}
	return nil
}

// SessionByHash returns an unexpired session.
func (s *DB) SessionByHash(ctx context.Context, hash string) (*escarp.Session, error) {
	var se escarp.Session
	var exp string
	err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT hash, token_id, csrf, expires_at FROM serve_sessions WHERE hash = ?`), hash).
		Scan(&se.Hash, &se.TokenID, &se.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.SessionByHash", "session")
	}
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.SessionByHash", Err: err}
	}
	se.ExpiresAt = parseTS(exp)
	if !se.ExpiresAt.After(s.Now()) {
		return nil, notFound("sqlstore.SessionByHash", "session")
	}
	return &se, nil
}

// DeleteSession ends a session.
func (s *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.sql.ExecContext(ctx, s.Rebind(`DELETE FROM serve_sessions WHERE hash = ?`), hash)
	if err != nil {
		return &escarp.Error{Op: "sqlstore.DeleteSession", Err: err}
	}
	return nil
}

// PutProject creates or replaces a project.
func (s *DB) PutProject(ctx context.Context, p *escarp.Project, webhook string) error {
	const op = "sqlstore.PutProject"
	now := s.Now()
	p.UpdatedAt = now
	create := p.ID == ""
	if create {
		p.ID, p.CreatedAt = NewID(), now
	}
	body, err := json.Marshal(p)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	var res sql.Result
	if create {
		res, err = s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO serve_projects (id, name, body, webhook, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
			p.ID, p.Name, string(body), webhook, ts(now), ts(now))
	} else if webhook != "" {
		res, err = s.sql.ExecContext(ctx, s.Rebind(`UPDATE serve_projects SET name = ?, body = ?, webhook = ?, updated_at = ? WHERE id = ?`),
			p.Name, string(body), webhook, ts(now), p.ID)
	} else {
		res, err = s.sql.ExecContext(ctx, s.Rebind(`UPDATE serve_projects SET name = ?, body = ?, updated_at = ? WHERE id = ?`),
			p.Name, string(body), ts(now), p.ID)
	}
	if err != nil {
		if isUnique(err) {
			return &escarp.Error{Op: op, Kind: escarp.Conflict, Message: "a project named " + p.Name + " exists", Err: err}
		}
		return &escarp.Error{Op: op, Err: err}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(op, "project "+p.ID)
	}
	return nil
}

// Project returns a project.
func (s *DB) Project(ctx context.Context, id string) (*escarp.Project, error) {
	var body string
	err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT body FROM serve_projects WHERE id = ?`), id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.Project", "project "+id)
	}
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.Project", Err: err}
	}
	var p escarp.Project
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return nil, &escarp.Error{Op: "sqlstore.Project", Err: err}
	}
	return &p, nil
}

// ProjectWebhook returns a project's webhook secret.
func (s *DB) ProjectWebhook(ctx context.Context, id string) (string, error) {
	var w string
	err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT webhook FROM serve_projects WHERE id = ?`), id).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("sqlstore.ProjectWebhook", "project "+id)
	}
	if err != nil {
		return "", &escarp.Error{Op: "sqlstore.ProjectWebhook", Err: err}
	}
	return w, nil
}

// ListProjects returns every project by name.
func (s *DB) ListProjects(ctx context.Context) ([]*escarp.Project, error) {
	rows, err := s.sql.QueryContext(ctx, `SELECT body FROM serve_projects ORDER BY name`)
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.ListProjects", Err: err}
	}
	defer rows.Close()
	var out []*escarp.Project
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, &escarp.Error{Op: "sqlstore.ListProjects", Err: err}
		}
		var p escarp.Project
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return nil, &escarp.Error{Op: "sqlstore.ListProjects", Err: err}
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// DeleteProject removes a project with its jobs and history.
func (s *DB) DeleteProject(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "sqlstore.DeleteProject", "project "+id, `DELETE FROM serve_projects WHERE id = ?`, id)
}

// EnqueueJob records a queued job with the next number of its project.
func (s *DB) EnqueueJob(ctx context.Context, j *escarp.Job) error {
	const op = "sqlstore.EnqueueJob"
	if j.ID == "" {
		j.ID = NewID()
	}
	j.State, j.CreatedAt = escarp.JobQueued, s.Now()
	var err error
	for range 20 {
		_, err = s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO serve_runs (id, project_id, seq, kind, trigger_by, state, created_at)
			SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM serve_runs WHERE project_id = ?`),
			j.ID, j.ProjectID, j.Kind, j.Trigger, j.State, ts(j.CreatedAt), j.ProjectID)
		if err == nil || !isUnique(err) {
			break
		}
	}
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	if err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT seq FROM serve_runs WHERE id = ?`), j.ID).Scan(&j.Seq); err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	return nil
}

const jobCols = `id, project_id, seq, kind, trigger_by, state, scan_id, worker, attempts, error, counts, created_at, started_at, finished_at`

func scanJob(row interface{ Scan(...any) error }) (*escarp.Job, error) {
	var j escarp.Job
	var counts, created, started, finished string
	if err := row.Scan(&j.ID, &j.ProjectID, &j.Seq, &j.Kind, &j.Trigger, &j.State, &j.ScanID, &j.Worker, &j.Attempts, &j.Error,
		&counts, &created, &started, &finished); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(counts), &j.Counts); err != nil {
		return nil, err
	}
	j.CreatedAt, j.StartedAt, j.FinishedAt = parseTS(created), parseTS(started), parseTS(finished)
	return &j, nil
}

// Job returns a job.
func (s *DB) Job(ctx context.Context, id string) (*escarp.Job, error) {
	j, err := scanJob(s.sql.QueryRowContext(ctx, s.Rebind(`SELECT `+jobCols+` FROM serve_runs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.Job", "job "+id)
	}
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.Job", Err: err}
	}
	return j, nil
}

// ListJobs returns a project's jobs (every project's when projectID is
// empty), newest first, and their total.
func (s *DB) ListJobs(ctx context.Context, projectID string, limit, offset int) ([]*escarp.Job, int, error) {
	const op = "sqlstore.ListJobs"
	cond, args := "1=1", []any{}
	if projectID != "" {
		cond, args = "project_id = ?", append(args, projectID)
	}
	var total int
	if err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM serve_runs WHERE `+cond), args...).Scan(&total); err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT `+jobCols+` FROM serve_runs WHERE `+cond+
		` ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, 0, &escarp.Error{Op: op, Err: err}
		}
		out = append(out, j)
	}
	return out, total, rows.Err()
}

// ClaimJob claims a queued job or one whose lease expired. The update is
// conditional on the state read, so two workers never claim the same job.
func (s *DB) ClaimJob(ctx context.Context, id string, kinds []string, worker string, leaseUntil time.Time) (*escarp.Job, error) {
	const op = "sqlstore.ClaimJob"
	now := ts(s.Now())
	for range 10 {
		q := `SELECT id, state, lease_until FROM serve_runs WHERE (state = ? OR (state = ? AND lease_until < ?))`
		args := []any{escarp.JobQueued, escarp.JobRunning, now}
		if id != "" {
			q, args = q+` AND id = ?`, append(args, id)
		}
		if len(kinds) > 0 {
			q += ` AND kind IN (` + strings.TrimSuffix(strings.Repeat("?,", len(kinds)), ",") + `)`
			for _, k := range kinds {
				args = append(args, k)
			}
		}
		var cid, state, lease string
		err := s.sql.QueryRowContext(ctx, s.Rebind(q+` ORDER BY created_at, seq LIMIT 1`), args...).Scan(&cid, &state, &lease)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		res, err := s.sql.ExecContext(ctx, s.Rebind(`UPDATE serve_runs SET state = ?, worker = ?, lease_until = ?, attempts = attempts + 1,
			started_at = ? WHERE id = ? AND state = ? AND lease_until = ?`),
			escarp.JobRunning, worker, ts(leaseUntil), now, cid, state, lease)
		if err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return s.Job(ctx, cid)
		}
	}
	return nil, nil
}

// ExtendLease extends a running job's lease held by worker.
func (s *DB) ExtendLease(ctx context.Context, id, worker string, leaseUntil time.Time) (bool, error) {
	res, err := s.sql.ExecContext(ctx, s.Rebind(`UPDATE serve_runs SET lease_until = ? WHERE id = ? AND worker = ? AND state = ?`),
		ts(leaseUntil), id, worker, escarp.JobRunning)
	if err != nil {
		return false, &escarp.Error{Op: "sqlstore.ExtendLease", Err: err}
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishJob records a job's outcome, its scan and findings, and the
// fingerprint history of its project, in one transaction, once.
func (s *DB) FinishJob(ctx context.Context, j *escarp.Job, sc *escarp.Scan, findings []escarp.Finding) (bool, error) {
	const op = "sqlstore.FinishJob"
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	defer func() { _ = tx.Rollback() }()
	now := s.Now()
	j.FinishedAt = now
	if sc != nil {
		if err := s.putScanTx(ctx, tx, sc, findings); err != nil {
			return false, err
		}
		j.ScanID, j.Counts = sc.ID, sc.Counts
	}
	counts, _ := json.Marshal(j.Counts)
	res, err := tx.ExecContext(ctx, s.Rebind(`UPDATE serve_runs SET state = ?, scan_id = ?, error = ?, counts = ?, finished_at = ?
		WHERE id = ? AND state <> ? AND state <> ?`),
		j.State, j.ScanID, j.Error, string(counts), ts(now), j.ID, escarp.JobDone, escarp.JobFailed)
	if err != nil {
		return false, &escarp.Error{Op: op, Err: err}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if sc != nil && j.State == escarp.JobDone {
		if err := s.track(ctx, tx, j, sc, findings); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	return true, nil
}

// track updates the fingerprint history of j's project with a finished
// run: new fingerprints open, known ones are seen again (reopened when
// they had been fixed), and those of the same engine not seen are fixed
// in this run.
func (s *DB) track(ctx context.Context, tx *sql.Tx, j *escarp.Job, sc *escarp.Scan, findings []escarp.Finding) error {
	const op = "sqlstore.track"
	seen := ts(sc.StartedAt)
	if seen == "" {
		seen = ts(s.Now())
	}
	for i := range findings {
		f := &findings[i]
		var state string
		var fixed int
		err := tx.QueryRowContext(ctx, s.Rebind(`SELECT state, fixed_run FROM serve_findings WHERE project_id = ? AND fingerprint = ?`),
			j.ProjectID, f.Fingerprint).Scan(&state, &fixed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, s.Rebind(`INSERT INTO serve_findings (project_id, fingerprint, engine, rule_id, severity, title, method, path,
				first_run, last_run, first_seen, last_seen, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				j.ProjectID, f.Fingerprint, sc.Engine, f.RuleID, int(f.Severity), f.Title, f.Location.Method, f.Location.Path,
				j.Seq, j.Seq, seen, seen, escarp.TriageOpen)
		case err != nil:
		default:
			reopened := 0
			if fixed != 0 {
				reopened = 1
				if state == escarp.TriageFixed {
					state = escarp.TriageOpen
				}
			}
			_, err = tx.ExecContext(ctx, s.Rebind(`UPDATE serve_findings SET last_run = ?, last_seen = ?, fixed_run = 0, reopened = reopened + ?,
				state = ?, severity = ?, title = ? WHERE project_id = ? AND fingerprint = ?`),
				j.Seq, seen, reopened, state, int(f.Severity), f.Title, j.ProjectID, f.Fingerprint)
		}
		if err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	_, err := tx.ExecContext(ctx, s.Rebind(`UPDATE serve_findings SET fixed_run = ?, state = CASE WHEN state = ? THEN ? ELSE state END
		WHERE project_id = ? AND engine = ? AND last_run < ? AND fixed_run = 0`),
		j.Seq, escarp.TriageOpen, escarp.TriageFixed, j.ProjectID, sc.Engine, j.Seq)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	return nil
}

// ClaimFire records a schedule's fire time once across nodes.
func (s *DB) ClaimFire(ctx context.Context, projectID string, at time.Time, node string) (bool, error) {
	_, err := s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO serve_fires (project_id, fire_at, node) VALUES (?, ?, ?)`),
		projectID, ts(at), node)
	if err != nil {
		if isUnique(err) {
			return false, nil
		}
		return false, &escarp.Error{Op: "sqlstore.ClaimFire", Err: err}
	}
	return true, nil
}

const trackedCols = `project_id, fingerprint, engine, rule_id, severity, title, method, path, first_run, last_run, fixed_run, reopened,
	first_seen, last_seen, state, reason, owner, ticket, expires, updated_by, updated_at`

func scanTracked(row interface{ Scan(...any) error }) (*escarp.TrackedFinding, error) {
	var t escarp.TrackedFinding
	var sev int
	var first, last, updated string
	if err := row.Scan(&t.ProjectID, &t.Fingerprint, &t.Engine, &t.RuleID, &sev, &t.Title, &t.Method, &t.Path, &t.FirstRun, &t.LastRun,
		&t.FixedRun, &t.Reopened, &first, &last, &t.State, &t.Reason, &t.Owner, &t.Ticket, &t.Expires, &t.UpdatedBy, &updated); err != nil {
		return nil, err
	}
	t.Severity = escarp.Severity(sev)
	t.FirstSeen, t.LastSeen, t.UpdatedAt = parseTS(first), parseTS(last), parseTS(updated)
	return &t, nil
}

// FindTracked returns tracked findings, most severe first, and their total.
func (s *DB) FindTracked(ctx context.Context, f escarp.TrackedFilter) ([]*escarp.TrackedFinding, int, error) {
	const op = "sqlstore.FindTracked"
	where, args := []string{"severity >= ?"}, []any{int(f.MinSeverity)}
	for _, c := range []struct{ col, v string }{{"project_id", f.ProjectID}, {"state", f.State}, {"rule_id", f.RuleID}, {"engine", f.Engine}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM serve_findings WHERE `+cond), args...).Scan(&total); err != nil { // #nosec G701 G202 -- cond joins fixed column names; values are bound parameters
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT `+trackedCols+` FROM serve_findings WHERE `+cond+ // #nosec G701 G202 -- cond joins fixed column names; values are bound parameters
		` ORDER BY severity DESC, rule_id, fingerprint LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.TrackedFinding
	for rows.Next() {
		t, err := scanTracked(rows)
		if err != nil {
			return nil, 0, &escarp.Error{Op: op, Err: err}
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// Tracked returns one fingerprint's history in a project.
func (s *DB) Tracked(ctx context.Context, projectID, fingerprint string) (*escarp.TrackedFinding, error) {
	t, err := scanTracked(s.sql.QueryRowContext(ctx, s.Rebind(`SELECT `+trackedCols+` FROM serve_findings WHERE project_id = ? AND fingerprint = ?`),
		projectID, fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.Tracked", "finding "+fingerprint)
	}
	if err != nil {
		return nil, &escarp.Error{Op: "sqlstore.Tracked", Err: err}
	}
	return t, nil
}

// SetTriage records a triage decision on a tracked finding.
func (s *DB) SetTriage(ctx context.Context, projectID, fingerprint string, t escarp.Triage, actor string) error {
	return s.deleteOne(ctx, "sqlstore.SetTriage", "finding "+fingerprint,
		`UPDATE serve_findings SET state = ?, reason = ?, owner = ?, ticket = ?, expires = ?, updated_by = ?, updated_at = ?
		WHERE project_id = ? AND fingerprint = ?`,
		t.State, t.Reason, t.Owner, t.Ticket, t.Expires, actor, ts(s.Now()), projectID, fingerprint)
}

// PruneEvidence deletes raw findings of finished jobs beyond the last keep.
func (s *DB) PruneEvidence(ctx context.Context, projectID string, keep int) (int, error) {
	const op = "sqlstore.PruneEvidence"
	if keep <= 0 {
		return 0, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT scan_id FROM serve_runs WHERE project_id = ? AND scan_id <> ''
		ORDER BY seq DESC LIMIT -1 OFFSET ?`), projectID, keep)
	if s.dialect.Name == "postgres" {
		rows, err = s.sql.QueryContext(ctx, s.Rebind(`SELECT scan_id FROM serve_runs WHERE project_id = ? AND scan_id <> ''
			ORDER BY seq DESC OFFSET ?`), projectID, keep)
	}
	if err != nil {
		return 0, &escarp.Error{Op: op, Err: err}
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, &escarp.Error{Op: op, Err: err}
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		res, err := s.sql.ExecContext(ctx, s.Rebind(`DELETE FROM findings WHERE scan_id = ?`), id)
		if err != nil {
			return n, &escarp.Error{Op: op, Err: err}
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

// PutAudit records an audit entry.
func (s *DB) PutAudit(ctx context.Context, e *escarp.AuditEntry) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.At.IsZero() {
		e.At = s.Now()
	}
	_, err := s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO serve_audit (id, at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?, ?)`),
		e.ID, ts(e.At), e.Actor, e.Action, e.Object, e.Detail)
	if err != nil {
		return &escarp.Error{Op: "sqlstore.PutAudit", Err: err}
	}
	return nil
}

// ListAudit returns audit entries, newest first, and their total.
func (s *DB) ListAudit(ctx context.Context, limit, offset int) ([]*escarp.AuditEntry, int, error) {
	const op = "sqlstore.ListAudit"
	var total int
	if err := s.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM serve_audit`).Scan(&total); err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT id, at, actor, action, object, detail FROM serve_audit ORDER BY at DESC, id LIMIT ? OFFSET ?`), limit, offset)
	if err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.AuditEntry
	for rows.Next() {
		var e escarp.AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.Detail); err != nil {
			return nil, 0, &escarp.Error{Op: op, Err: err}
		}
		e.At = parseTS(at)
		out = append(out, &e)
	}
	return out, total, rows.Err()
}

// Ping checks the database answers (readiness).
func (s *DB) Ping(ctx context.Context) error { return s.sql.PingContext(ctx) }
