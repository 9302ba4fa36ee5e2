package lab

import (
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

type boat struct {
	ID           int64   `json:"id"`
	OwnerID      int64   `json:"owner_id"`
	Name         string  `json:"name"`
	Registration string  `json:"registration"`
	LengthM      float64 `json:"length_m"`
	Notes        string  `json:"notes"`
}

const boatCols = `id, owner_id, name, registration, length_m, notes`

func scanBoat(s interface{ Scan(...any) error }) (boat, error) {
	var b boat
	err := s.Scan(&b.ID, &b.OwnerID, &b.Name, &b.Registration, &b.LengthM, &b.Notes)
	return b, err
}

func (l *Lab) loadBoat(r *http.Request, id int64) (boat, error) {
	return scanBoat(l.db.QueryRowContext(r.Context(), `SELECT `+boatCols+` FROM boats WHERE id = ?`, id))
}

func (l *Lab) queryBoats(ctx context.Context, q string, args ...any) ([]boat, error) {
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []boat{}
	for rows.Next() {
		b, err := scanBoat(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (l *Lab) handleMyBoats(w http.ResponseWriter, r *http.Request) {
	out, err := l.queryBoats(r.Context(), `SELECT `+boatCols+` FROM boats WHERE owner_id = ? ORDER BY id`, who(r).ID)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM boats WHERE owner_id = ?")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

type boatInput struct {
	Name         string  `json:"name" xml:"name"`
	Registration string  `json:"registration" xml:"registration"`
	LengthM      float64 `json:"length_m" xml:"length_m"`
	Notes        string  `json:"notes" xml:"notes"`
}

func (l *Lab) createBoat(w http.ResponseWriter, r *http.Request, in boatInput) {
	if in.Name == "" || in.Registration == "" || (l.secure && (len(in.Name) > 80 || len(in.Registration) > 20 ||
		len(in.Notes) > 500 || in.LengthM < 1 || in.LengthM > 100)) {
		writeError(w, http.StatusBadRequest, "bad_request", "name (1-80), registration (1-20) and length_m (1-100) are required")
		return
	}
	res, err := l.db.ExecContext(r.Context(), `INSERT INTO boats (owner_id, name, registration, length_m, notes) VALUES (?, ?, ?, ?, ?)`,
		who(r).ID, in.Name, in.Registration, in.LengthM, in.Notes)
	if err != nil {
		l.dbError(w, err, "INSERT INTO boats")
		return
	}
	id, _ := res.LastInsertId()
	b, err := l.loadBoat(r, id)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM boats")
		return
	}
	w.Header().Set("Location", "/api/v2/boats/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusCreated, b)
}

func (l *Lab) handleCreateBoat(w http.ResponseWriter, r *http.Request) {
	var in boatInput
	if !l.readJSON(w, r, &in) {
		return
	}
	l.createBoat(w, r, in)
}

// ownedBoat loads a boat by path id. The vulnerable lab never checks the
// owner (bola-read-boat, bola-delete-boat); the twin answers 404 for other
// members' boats (the admin may see all).
func (l *Lab) ownedBoat(w http.ResponseWriter, r *http.Request) (boat, bool) {
	id, ok := pathID(w, r, "boatId")
	if !ok {
		return boat{}, false
	}
	b, err := l.loadBoat(r, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && l.secure && b.OwnerID != who(r).ID && who(r).Role != "admin") {
		notFound(w, "boat")
		return boat{}, false
	}
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM boats WHERE id = ?")
		return boat{}, false
	}
	return b, true
}

func (l *Lab) handleGetBoat(w http.ResponseWriter, r *http.Request) {
	if b, ok := l.ownedBoat(w, r); ok {
		writeJSON(w, http.StatusOK, b)
	}
}

func (l *Lab) handleDeleteBoat(w http.ResponseWriter, r *http.Request) {
	b, ok := l.ownedBoat(w, r)
	if !ok {
		return
	}
	if _, err := l.db.ExecContext(r.Context(), `DELETE FROM boats WHERE id = ?`, b.ID); err != nil {
		l.dbError(w, err, "DELETE FROM boats")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// searchBudget caps the vulnerable lab's backtracking search so a ReDoS is
// slow but never hangs.
const searchBudget = 2 * time.Second

// handleSearchBoats searches the marina's boat directory by a regular
// expression over names and notes. The vulnerable lab uses a backtracking
// matcher (rate-redos); the twin uses RE2 with a short pattern and a rate
// limit.
func (l *Lab) handleSearchBoats(w http.ResponseWriter, r *http.Request) {
	pattern := r.URL.Query().Get("pattern")
	if pattern == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "pattern is required")
		return
	}
	all, err := l.queryBoats(r.Context(), `SELECT `+boatCols+` FROM boats ORDER BY id`)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM boats")
		return
	}
	type hit struct {
		ID           int64  `json:"id"`
		Name         string `json:"name"`
		Registration string `json:"registration"`
	}
	out := []hit{}
	if l.secure {
		if !l.limits.allow("search:"+clientKey(r), rate.Limit(5), 10) {
			tooMany(w, 1)
			return
		}
		if len(pattern) > 64 {
			writeError(w, http.StatusBadRequest, "bad_request", "pattern is longer than 64 characters")
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "pattern is not a valid regular expression")
			return
		}
		for _, b := range all {
			if re.MatchString(b.Name) || re.MatchString(b.Notes) {
				out = append(out, hit{b.ID, b.Name, b.Registration})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": out})
		return
	}
	m, err := compileBacktrack(pattern)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "pattern: %v", err)
		return
	}
	deadline := time.Now().Add(searchBudget)
	for _, b := range all {
		name, _ := m.match(b.Name, deadline)
		notes, _ := m.match(b.Notes, deadline)
		if name || notes {
			out = append(out, hit{b.ID, b.Name, b.Registration})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

var entityDecl = regexp.MustCompile(`<!ENTITY\s+([A-Za-z_][\w.-]*)\s+SYSTEM\s+["']([^"']+)["']\s*>`)

// handleImportBoat registers a boat from an XML manifest. The vulnerable
// lab resolves external entities that point at local files (inj-xxe); the
// twin refuses any DOCTYPE.
func (l *Lab) handleImportBoat(w http.ResponseWriter, r *http.Request) {
	limit := int64(maxBody)
	if !l.secure {
		limit = vulnMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "manifest exceeds %d bytes", limit)
		return
	}
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	if l.secure {
		if strings.Contains(strings.ToUpper(string(body)), "<!DOCTYPE") || strings.Contains(strings.ToUpper(string(body)), "<!ENTITY") {
			writeError(w, http.StatusBadRequest, "bad_request", "DOCTYPE and entity declarations are not accepted")
			return
		}
	} else {
		dec.Entity = map[string]string{}
		for _, m := range entityDecl.FindAllStringSubmatch(string(body), 8) {
			u, err := url.Parse(m[2])
			if err != nil || u.Scheme != "file" {
				continue
			}
			f, err := os.Open(u.Path)
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", "entity %s: %v", m[1], err)
				return
			}
			data, _ := io.ReadAll(io.LimitReader(f, 64<<10))
			f.Close()
			dec.Entity[m[1]] = string(data)
		}
	}
	var in boatInput
	if err := dec.Decode(&in); err != nil {
		if l.secure {
			writeError(w, http.StatusBadRequest, "bad_request", "the manifest is not valid XML")
		} else {
			writeError(w, http.StatusBadRequest, "bad_request", "xml: %v", err)
		}
		return
	}
	l.createBoat(w, r, in)
}
