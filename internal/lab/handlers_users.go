package lab

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// pathID parses an integer path parameter, answering 400 itself when it is
// not one.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "%s must be a positive integer", name)
		return 0, false
	}
	return id, true
}

func notFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, "not_found", "%s not found", what)
}

type userView struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	FullName    string `json:"full_name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Address     string `json:"address"`
	Role        string `json:"role"`
	AvatarURL   string `json:"avatar_url"`
	MemberSince string `json:"member_since"`
}

func (l *Lab) loadUser(r *http.Request, id int64) (userView, error) {
	u := userView{ID: id}
	err := l.db.QueryRowContext(r.Context(), `SELECT username, full_name, email, phone, address, role, avatar_url, member_since FROM users WHERE id = ?`, id).
		Scan(&u.Username, &u.FullName, &u.Email, &u.Phone, &u.Address, &u.Role, &u.AvatarURL, &u.MemberSince)
	return u, err
}

func (l *Lab) handleMe(w http.ResponseWriter, r *http.Request) {
	u, err := l.loadUser(r, who(r).ID)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM users WHERE id = ?")
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// handleUpdateMe updates the caller's profile. The vulnerable lab writes
// every column the body names, role included (prop-mass-assignment); the
// twin writes the four editable fields and ignores read-only ones.
func (l *Lab) handleUpdateMe(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !l.readJSON(w, r, &body) {
		return
	}
	editable := map[string]bool{"full_name": true, "email": true, "phone": true, "address": true}
	if !l.secure {
		editable["role"] = true
		editable["avatar_url"] = true
	}
	for k, v := range body {
		if !editable[k] {
			continue
		}
		s, ok := v.(string)
		if !ok || (l.secure && (len(s) > 200 || (k != "phone" && k != "address" && strings.TrimSpace(s) == ""))) {
			writeError(w, http.StatusBadRequest, "bad_request", "%s must be a non-empty string of at most 200 characters", k)
			return
		}
		if _, err := l.db.ExecContext(r.Context(), `UPDATE users SET `+k+` = ? WHERE id = ?`, s, who(r).ID); err != nil {
			l.dbError(w, err, "UPDATE users SET "+k+" = ? WHERE id = ?")
			return
		}
	}
	l.handleMe(w, r)
}

type profileView struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	FullName    string `json:"full_name"`
	MemberSince string `json:"member_since"`
	Boats       int    `json:"boats"`
	// Undeclared in the spec: the vulnerable lab leaks them
	// (prop-excessive-exposure).
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Address     string `json:"address,omitempty"`
	LastLoginIP string `json:"last_login_ip,omitempty"`
}

// handleProfile is a member's public profile.
func (l *Lab) handleProfile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "userId")
	if !ok {
		return
	}
	var p profileView
	err := l.db.QueryRowContext(r.Context(), `SELECT id, username, full_name, member_since, email, phone, address, last_login_ip,
		(SELECT count(*) FROM boats WHERE owner_id = users.id) FROM users WHERE id = ?`, id).
		Scan(&p.ID, &p.Username, &p.FullName, &p.MemberSince, &p.Email, &p.Phone, &p.Address, &p.LastLoginIP, &p.Boats)
	if errors.Is(err, sql.ErrNoRows) {
		notFound(w, "member")
		return
	}
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM users WHERE id = ?")
		return
	}
	if l.secure {
		p.Email, p.Phone, p.Address, p.LastLoginIP = "", "", "", ""
	}
	writeJSON(w, http.StatusOK, p)
}

type paymentMethod struct {
	ID        int64  `json:"id"`
	Holder    string `json:"holder"`
	CardLast4 string `json:"card_last4"`
	Expiry    string `json:"expiry"`
	// Undeclared, and sensitive: the vulnerable lab returns them
	// (prop-sensitive-data).
	CardNumber string `json:"card_number,omitempty"`
	CVV        string `json:"cvv,omitempty"`
}

func (l *Lab) handlePaymentMethods(w http.ResponseWriter, r *http.Request) {
	rows, err := l.db.QueryContext(r.Context(), `SELECT id, holder, card_number, cvv, expiry FROM payment_methods WHERE user_id = ? ORDER BY id`, who(r).ID)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM payment_methods")
		return
	}
	defer rows.Close()
	out := []paymentMethod{}
	for rows.Next() {
		var m paymentMethod
		if err := rows.Scan(&m.ID, &m.Holder, &m.CardNumber, &m.CVV, &m.Expiry); err != nil {
			l.dbError(w, err, "")
			return
		}
		m.CardLast4 = m.CardNumber[len(m.CardNumber)-4:]
		if l.secure {
			m.CardNumber, m.CVV = "", ""
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

type adminUser struct {
	ID           int64  `json:"id"`
	Username     string `json:"username"`
	FullName     string `json:"full_name"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	PasswordHash string `json:"password_hash,omitempty"`
}

// handleAdminUsers lists every member. The vulnerable lab forgot the role
// check (bfla-admin-users) and includes password hashes.
func (l *Lab) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	rows, err := l.db.QueryContext(r.Context(), `SELECT id, username, full_name, email, role, password_hash FROM users ORDER BY id`)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM users")
		return
	}
	defer rows.Close()
	out := []adminUser{}
	for rows.Next() {
		var u adminUser
		if err := rows.Scan(&u.ID, &u.Username, &u.FullName, &u.Email, &u.Role, &u.PasswordHash); err != nil {
			l.dbError(w, err, "")
			return
		}
		if l.secure {
			u.PasswordHash = ""
		}
		out = append(out, u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

var settingKeys = []string{"maintenance_mode", "price_multiplier", "harbour_notice"}

func (l *Lab) settings(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	rows, err := l.db.QueryContext(r.Context(), `SELECT key, value FROM settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func (l *Lab) handleGetSettings(w http.ResponseWriter, r *http.Request) {
	s, err := l.settings(r)
	if err != nil {
		l.dbError(w, err, "SELECT key, value FROM settings")
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// handlePutSettings changes marina settings. Only GET is guarded by the
// role check in the vulnerable lab (bfla-method-switch).
func (l *Lab) handlePutSettings(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	if !l.readJSON(w, r, &body) {
		return
	}
	for _, k := range settingKeys {
		v, ok := body[k]
		if !ok {
			continue
		}
		if l.secure && len(v) > 200 {
			writeError(w, http.StatusBadRequest, "bad_request", "%s is too long", k)
			return
		}
		if _, err := l.db.ExecContext(r.Context(), `UPDATE settings SET value = ? WHERE key = ?`, v, k); err != nil {
			l.dbError(w, err, "UPDATE settings")
			return
		}
	}
	l.handleGetSettings(w, r)
}

func (l *Lab) handleNotifications(w http.ResponseWriter, r *http.Request) {
	rows, err := l.db.QueryContext(r.Context(), `SELECT id, message FROM notifications WHERE user_id = ? ORDER BY id`, who(r).ID)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM notifications")
		return
	}
	defer rows.Close()
	type item struct {
		ID      int64  `json:"id"`
		Message string `json:"message"`
	}
	out := []item{}
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.ID, &it.Message); err != nil {
			l.dbError(w, err, "")
			return
		}
		out = append(out, it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": who(r).Username, "items": out})
}

func (l *Lab) handleNotices(w http.ResponseWriter, r *http.Request) {
	s, err := l.settings(r)
	if err != nil {
		l.dbError(w, err, "SELECT key, value FROM settings")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": []string{
		s["harbour_notice"], "Members' gate code changes on the 1st of each month.", "Pump-out station open 08:00-18:00."}})
}

func (l *Lab) handleOccupancy(w http.ResponseWriter, r *http.Request) {
	rows, err := l.db.QueryContext(r.Context(), `SELECT dock, count(*), sum(status = 'occupied') FROM berths GROUP BY dock ORDER BY dock`)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM berths GROUP BY dock")
		return
	}
	defer rows.Close()
	type dock struct {
		Dock     string `json:"dock"`
		Berths   int    `json:"berths"`
		Occupied int    `json:"occupied"`
	}
	docks := []dock{}
	for rows.Next() {
		var d dock
		if err := rows.Scan(&d.Dock, &d.Berths, &d.Occupied); err != nil {
			l.dbError(w, err, "")
			return
		}
		docks = append(docks, d)
	}
	var revenue int64
	l.db.QueryRowContext(r.Context(), `SELECT coalesce(sum(total_cents), 0) FROM bookings WHERE status != 'pending'`).Scan(&revenue)
	writeJSON(w, http.StatusOK, map[string]any{"docks": docks, "revenue_cents": revenue})
}

func (l *Lab) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": "2.4.1"})
}

// handleDebugVars is the forgotten, undocumented debug endpoint
// (inv-undocumented-debug): it dumps the configuration, JWT key included.
func (l *Lab) handleDebugVars(w http.ResponseWriter, r *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	host, _ := os.Hostname()
	writeJSON(w, http.StatusOK, map[string]any{
		"cmdline":  os.Args,
		"memstats": map[string]uint64{"Alloc": ms.Alloc, "Sys": ms.Sys, "NumGC": uint64(ms.NumGC)},
		"config": map[string]string{
			"jwt_secret": string(l.secret), "database": l.dir + "/quayside.db", "hostname": host,
			"go": runtime.Version(), "docs_dir": l.docs,
		},
	})
}

// handleV1Boat is the forgotten /api/v1 boat lookup: no authentication,
// no ownership (inv-old-version).
func (l *Lab) handleV1Boat(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "boatId")
	if !ok {
		return
	}
	b, err := l.loadBoat(r, id)
	if errors.Is(err, sql.ErrNoRows) {
		notFound(w, "boat")
		return
	}
	if err != nil {
		l.dbError(w, err, fmt.Sprintf("SELECT * FROM boats WHERE id = %d", id))
		return
	}
	writeJSON(w, http.StatusOK, b)
}
