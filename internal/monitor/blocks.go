package monitor

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/sqlstore"
)

// Block is one enforced block.
type Block struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"` // principal or client
	Subject string    `json:"subject"`
	RuleID  string    `json:"ruleId"`
	Reason  string    `json:"reason,omitempty"`
	Status  int       `json:"status"` // 429 or 403
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Lifted  time.Time `json:"lifted,omitzero"`
}

// State is "active", "expired" or "lifted" at now.
func (b *Block) State(now time.Time) string {
	switch {
	case !b.Lifted.IsZero():
		return "lifted"
	case !now.Before(b.Expires):
		return "expired"
	}
	return "active"
}

// Blocks is the block list the proxy enforces: in memory for the request
// path, written through to the store when one is given, and reloaded from
// it so a lift by another process takes effect.
type Blocks struct {
	mu     sync.RWMutex
	active map[string]*Block // kind+" "+subject
	all    []*Block
	db     *sqlstore.DB
	TTL    time.Duration
	Status int
	Now    func() time.Time
}

// NewBlocks returns a block list (db may be nil).
func NewBlocks(db *sqlstore.DB, ttl time.Duration, status int) *Blocks {
	if ttl <= 0 {
		ttl = 15 * time.Minute
	}
	if status != http.StatusForbidden {
		status = http.StatusTooManyRequests
	}
	return &Blocks{active: map[string]*Block{}, db: db, TTL: ttl, Status: status, Now: time.Now}
}

// Block implements [Blocker]: it blocks the alert's verified principal,
// or, for detectors keyed by client address, the client. Alerts keyed by
// anything else (a username, an operation, the whole API) block nobody:
// blocking never targets an unverified principal.
func (bl *Blocks) Block(a *detect.Alert) {
	var kind, subject string
	switch a.Keyspace {
	case detect.KeyPrincipal:
		kind, subject = "principal", a.Principal
	case detect.KeyClient:
		kind, subject = "client", a.ClientIP
	}
	if subject == "" {
		return
	}
	now := bl.Now().UTC()
	b := &Block{ID: sqlstore.NewID(), Kind: kind, Subject: subject, RuleID: a.Rule.ID, Reason: a.Rule.Title,
		Status: bl.Status, Created: now, Expires: now.Add(bl.TTL)}
	bl.mu.Lock()
	bl.active[kind+" "+subject] = b
	bl.all = append(bl.all, b)
	bl.mu.Unlock()
	if bl.db != nil {
		_ = PutBlock(context.Background(), bl.db, b)
	}
}

// Check returns the active block of a request's principal or client.
// principal is the one the request claims, verified or not: a block on a
// principal only exists when that principal was verified, and a forged
// token claiming it is refused as well.
func (bl *Blocks) Check(principal, client string) *Block {
	now := bl.Now()
	bl.mu.RLock()
	defer bl.mu.RUnlock()
	for _, k := range []string{"principal " + principal, "client " + client} {
		if strings.HasSuffix(k, " ") {
			continue
		}
		if b := bl.active[k]; b != nil && b.State(now) == "active" {
			return b
		}
	}
	return nil
}

// List returns every block, newest first.
func (bl *Blocks) List() []Block {
	bl.mu.RLock()
	defer bl.mu.RUnlock()
	out := make([]Block, 0, len(bl.all))
	for _, b := range bl.all {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out
}

// Lift lifts a block by id, or every active block of a subject.
func (bl *Blocks) Lift(idOrSubject string) (int, error) {
	now := bl.Now().UTC()
	n := 0
	bl.mu.Lock()
	for k, b := range bl.active {
		if b.ID == idOrSubject || b.Subject == idOrSubject {
			b.Lifted = now
			delete(bl.active, k)
			n++
		}
	}
	bl.mu.Unlock()
	if bl.db != nil {
		m, err := LiftBlocks(context.Background(), bl.db, idOrSubject, now)
		if err != nil {
			return n, err
		}
		n = max(n, m)
	}
	return n, nil
}

// Reload synchronises with the store: blocks another process added (an
// analyzer on the bus) take effect and lifted ones stop.
func (bl *Blocks) Reload(ctx context.Context) error {
	if bl.db == nil {
		return nil
	}
	stored, err := ListBlocks(ctx, bl.db)
	if err != nil {
		return err
	}
	now := bl.Now()
	bl.mu.Lock()
	defer bl.mu.Unlock()
	known := map[string]*Block{}
	for _, b := range bl.all {
		known[b.ID] = b
	}
	for i := len(stored) - 1; i >= 0; i-- { // oldest first
		s := stored[i]
		b := known[s.ID]
		if b == nil {
			b = &s
			bl.all = append(bl.all, b)
		}
		b.Lifted = s.Lifted
		k := b.Kind + " " + b.Subject
		switch {
		case b.State(now) == "active":
			bl.active[k] = b
		case bl.active[k] == b:
			delete(bl.active, k)
		}
	}
	return nil
}

// PutBlock records a block in the store.
func PutBlock(ctx context.Context, db *sqlstore.DB, b *Block) error {
	_, err := db.SQL().ExecContext(ctx, db.Rebind(`INSERT INTO monitor_blocks (id, kind, subject, rule_id, reason, status, created, expires, lifted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		b.ID, b.Kind, b.Subject, b.RuleID, b.Reason, b.Status, b.Created.UTC().Format(time.RFC3339Nano), b.Expires.UTC().Format(time.RFC3339Nano), timeText(b.Lifted))
	if err != nil {
		return &escarp.Error{Op: "monitor.PutBlock", Kind: escarp.Unavailable, Message: "recording a block", Err: err}
	}
	return nil
}

// ListBlocks returns the stored blocks, newest first.
func ListBlocks(ctx context.Context, db *sqlstore.DB) ([]Block, error) {
	rows, err := db.SQL().QueryContext(ctx, `SELECT id, kind, subject, rule_id, reason, status, created, expires, lifted FROM monitor_blocks ORDER BY created DESC, id`)
	if err != nil {
		return nil, &escarp.Error{Op: "monitor.ListBlocks", Kind: escarp.Unavailable, Err: err}
	}
	defer rows.Close()
	var out []Block
	for rows.Next() {
		var b Block
		var created, expires, lifted string
		if err := rows.Scan(&b.ID, &b.Kind, &b.Subject, &b.RuleID, &b.Reason, &b.Status, &created, &expires, &lifted); err != nil {
			return nil, fmt.Errorf("monitor blocks: %w", err)
		}
		b.Created, _ = time.Parse(time.RFC3339Nano, created)
		b.Expires, _ = time.Parse(time.RFC3339Nano, expires)
		if lifted != "" {
			b.Lifted, _ = time.Parse(time.RFC3339Nano, lifted)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// LiftBlocks lifts the active stored blocks with id or subject idOrSubject.
func LiftBlocks(ctx context.Context, db *sqlstore.DB, idOrSubject string, now time.Time) (int, error) {
	res, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE monitor_blocks SET lifted = ? WHERE lifted = '' AND (id = ? OR subject = ?)`),
		now.UTC().Format(time.RFC3339Nano), idOrSubject, idOrSubject)
	if err != nil {
		return 0, &escarp.Error{Op: "monitor.LiftBlocks", Kind: escarp.Unavailable, Err: err}
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
