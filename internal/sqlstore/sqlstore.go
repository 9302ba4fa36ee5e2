// Package sqlstore implements escarp's store contracts over database/sql,
// once for every SQL dialect. internal/sqlite and internal/postgres open a
// connection, name their dialect and their embedded migrations, and return
// a *DB from this package.
//
// Queries are written with ? placeholders and rebound for dialects that
// number them ($1, $2, ...). Every value is a bound parameter: no query is
// ever built from input.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Dialect describes what differs between SQL databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered placeholders ($1) instead of ?.
	Numbered bool
	// Migrations holds files named NNNN_description.sql, applied in order.
	Migrations fs.FS
}

// DB is a store on a SQL database.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

var _ escarp.FindingStore = (*DB)(nil)

// New wraps an open database and applies pending migrations.
func New(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	s := &DB{sql: db, dialect: d, Now: func() time.Time { return time.Now().UTC() }}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// SQL returns the underlying database, for packages that add their own
// tables through migrations of this package.
func (s *DB) SQL() *sql.DB { return s.sql }

// Dialect returns the database dialect.
func (s *DB) Dialect() Dialect { return s.dialect }

// Close closes the database.
func (s *DB) Close() error { return s.sql.Close() }

// Rebind rewrites ? placeholders for the dialect.
func (s *DB) Rebind(q string) string {
	if !s.dialect.Numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (s *DB) migrate(ctx context.Context) error {
	const op = "sqlstore.migrate"
	if _, err := s.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "creating the migrations table", Err: err}
	}
	names, err := fs.Glob(s.dialect.Migrations, "*.sql")
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return &escarp.Error{Op: op, Message: "migration " + name + " has no numeric prefix", Err: err}
		}
		var exists int
		err = s.sql.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&exists)
		if err != nil {
			return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
		}
		if exists > 0 {
			continue
		}
		body, err := fs.ReadFile(s.dialect.Migrations, name)
		if err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
		tx, err := s.sql.BeginTx(ctx, nil)
		if err != nil {
			return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return &escarp.Error{Op: op, Message: "applying migration " + name, Err: err}
		}
		if _, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
			v, s.Now().Format(time.RFC3339Nano)); err != nil {
			_ = tx.Rollback()
			return &escarp.Error{Op: op, Err: err}
		}
		if err := tx.Commit(); err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	return nil
}

// NewID returns a random 16-hex-digit id.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const timeFormat = time.RFC3339Nano

// PutScan records a scan and its findings in one transaction.
func (s *DB) PutScan(ctx context.Context, sc *escarp.Scan, findings []escarp.Finding) error {
	const op = "sqlstore.PutScan"
	if sc.ID == "" {
		sc.ID = NewID()
	}
	sc.Counts = make(map[escarp.Severity]int)
	for i := range findings {
		if findings[i].Suppressed == nil {
			sc.Counts[findings[i].Severity]++
		}
	}
	stats, err := json.Marshal(sc.Stats)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	counts, err := json.Marshal(sc.Counts)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	var score []byte
	if sc.Score != nil {
		if score, err = json.Marshal(sc.Score); err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.insertScan(ctx, tx, sc, findings, stats, counts, score); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Err: err}
	}
	return nil
}

// putScanTx records a scan and its findings inside tx.
func (s *DB) putScanTx(ctx context.Context, tx *sql.Tx, sc *escarp.Scan, findings []escarp.Finding) error {
	const op = "sqlstore.PutScan"
	if sc.ID == "" {
		sc.ID = NewID()
	}
	sc.Counts = make(map[escarp.Severity]int)
	for i := range findings {
		if findings[i].Suppressed == nil {
			sc.Counts[findings[i].Severity]++
		}
	}
	stats, err := json.Marshal(sc.Stats)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	counts, err := json.Marshal(sc.Counts)
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	var score []byte
	if sc.Score != nil {
		if score, err = json.Marshal(sc.Score); err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	return s.insertScan(ctx, tx, sc, findings, stats, counts, score)
}

func (s *DB) insertScan(ctx context.Context, tx *sql.Tx, sc *escarp.Scan, findings []escarp.Finding, stats, counts, score []byte) error {
	const op = "sqlstore.PutScan"
	_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO scans (id, engine, target, spec, started_at, finished_at, stats, counts, score, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		sc.ID, sc.Engine, sc.Target, sc.Spec, sc.StartedAt.UTC().Format(timeFormat), sc.FinishedAt.UTC().Format(timeFormat),
		string(stats), string(counts), string(score), s.Now().Format(timeFormat))
	if err != nil {
		if isUnique(err) {
			return &escarp.Error{Op: op, Kind: escarp.Conflict, Message: "scan " + sc.ID + " already exists", Err: err}
		}
		return &escarp.Error{Op: op, Err: err}
	}
	stmt, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO findings (scan_id, seq, fingerprint, rule_id, kind, severity, confidence,
		owasp, method, path, file, line, suppressed, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	defer stmt.Close()
	for i := range findings {
		f := &findings[i]
		f.SetFingerprint()
		body, err := json.Marshal(f)
		if err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
		suppressed := 0
		if f.Suppressed != nil {
			suppressed = 1
		}
		if _, err := stmt.ExecContext(ctx, sc.ID, i, f.Fingerprint, f.RuleID, string(f.Kind), int(f.Severity), int(f.Confidence),
			f.OWASP, f.Location.Method, f.Location.Path, f.Location.File, f.Location.Line, suppressed, string(body)); err != nil {
			return &escarp.Error{Op: op, Err: err}
		}
	}
	return nil
}

func isUnique(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key")
}

// FindScans returns matching scans, newest first.
func (s *DB) FindScans(ctx context.Context, f escarp.ScanFilter) ([]*escarp.Scan, int, error) {
	const op = "sqlstore.FindScans"
	where, args := []string{"1=1"}, []any{}
	if f.Engine != "" {
		where, args = append(where, "engine = ?"), append(args, f.Engine)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "started_at >= ?"), append(args, f.Since.UTC().Format(timeFormat))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM scans WHERE `+cond), args...).Scan(&total); err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT id, engine, target, spec, started_at, finished_at, stats, counts, score
		FROM scans WHERE `+cond+` ORDER BY started_at DESC, created_at DESC, id LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []*escarp.Scan
	for rows.Next() {
		var sc escarp.Scan
		var started, finished, stats, counts string
		var score sql.NullString
		if err := rows.Scan(&sc.ID, &sc.Engine, &sc.Target, &sc.Spec, &started, &finished, &stats, &counts, &score); err != nil {
			return nil, 0, &escarp.Error{Op: op, Err: err}
		}
		sc.StartedAt, _ = time.Parse(timeFormat, started)
		sc.FinishedAt, _ = time.Parse(timeFormat, finished)
		if err := json.Unmarshal([]byte(stats), &sc.Stats); err != nil {
			return nil, 0, &escarp.Error{Op: op, Message: "decoding stats of scan " + sc.ID, Err: err}
		}
		if err := json.Unmarshal([]byte(counts), &sc.Counts); err != nil {
			return nil, 0, &escarp.Error{Op: op, Message: "decoding counts of scan " + sc.ID, Err: err}
		}
		if score.Valid && score.String != "" {
			sc.Score = new(escarp.Score)
			if err := json.Unmarshal([]byte(score.String), sc.Score); err != nil {
				return nil, 0, &escarp.Error{Op: op, Message: "decoding score of scan " + sc.ID, Err: err}
			}
		}
		out = append(out, &sc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	return out, total, nil
}

// FindFindings returns matching findings, most severe first.
func (s *DB) FindFindings(ctx context.Context, f escarp.FindingFilter) ([]escarp.Finding, int, error) {
	const op = "sqlstore.FindFindings"
	where, args := []string{"f.severity >= ?"}, []any{int(f.MinSeverity)}
	if f.ScanID != "" {
		where, args = append(where, "f.scan_id = ?"), append(args, f.ScanID)
	}
	if f.Engine != "" {
		where, args = append(where, "s.engine = ?"), append(args, f.Engine)
	}
	if f.RuleID != "" {
		where, args = append(where, "f.rule_id = ?"), append(args, f.RuleID)
	}
	if f.Fingerprint != "" {
		where, args = append(where, "f.fingerprint = ?"), append(args, f.Fingerprint)
	}
	cond := strings.Join(where, " AND ")
	from := ` FROM findings f JOIN scans s ON s.id = f.scan_id WHERE ` + cond
	var total int
	if err := s.sql.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*)`+from), args...).Scan(&total); err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT f.body`+from+
		` ORDER BY f.severity DESC, s.started_at DESC, f.scan_id, f.seq LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []escarp.Finding
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, 0, &escarp.Error{Op: op, Err: err}
		}
		var fd escarp.Finding
		if err := json.Unmarshal([]byte(body), &fd); err != nil {
			return nil, 0, &escarp.Error{Op: op, Message: "decoding a stored finding", Err: err}
		}
		out = append(out, fd)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, &escarp.Error{Op: op, Err: err}
	}
	return out, total, nil
}

// FirstSeen returns the start time of the earliest scan that recorded each
// fingerprint. Fingerprints never seen are absent from the map.
func (s *DB) FirstSeen(ctx context.Context, fingerprints []string) (map[string]time.Time, error) {
	const op = "sqlstore.FirstSeen"
	out := make(map[string]time.Time, len(fingerprints))
	const chunk = 500
	for start := 0; start < len(fingerprints); start += chunk {
		end := min(start+chunk, len(fingerprints))
		part := fingerprints[start:end]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")
		args := make([]any, len(part))
		for i, fp := range part {
			args[i] = fp
		}
		rows, err := s.sql.QueryContext(ctx, s.Rebind(`SELECT f.fingerprint, MIN(s.started_at) FROM findings f
			JOIN scans s ON s.id = f.scan_id WHERE f.fingerprint IN (`+marks+`) GROUP BY f.fingerprint`), args...)
		if err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		for rows.Next() {
			var fp, ts string
			if err := rows.Scan(&fp, &ts); err != nil {
				rows.Close()
				return nil, &escarp.Error{Op: op, Err: err}
			}
			t, err := time.Parse(timeFormat, ts)
			if err != nil {
				rows.Close()
				return nil, &escarp.Error{Op: op, Message: fmt.Sprintf("bad time %q", ts), Err: err}
			}
			out[fp] = t
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
	}
	return out, nil
}

// ErrClosed is returned by operations on a closed store.
var ErrClosed = errors.New("store closed")
