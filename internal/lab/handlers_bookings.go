package lab

import (
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type berth struct {
	ID         int64   `json:"id"`
	Dock       string  `json:"dock"`
	Number     int     `json:"number"`
	LengthM    float64 `json:"length_m"`
	PriceCents int64   `json:"price_cents"`
	Status     string  `json:"status"`
}

const maxPage = 100

// handleBerths lists berths. The vulnerable lab builds its SQL by string
// concatenation (inj-sql-berths) and honours any limit (rate-unbounded-limit);
// the twin binds parameters and caps limit at 100.
func (l *Lab) handleBerths(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 20, 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || (l.secure && n > maxPage) {
			writeError(w, http.StatusBadRequest, "bad_request", "limit must be an integer from 1 to %d", maxPage)
			return
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "offset must be a non-negative integer")
			return
		}
		offset = n
	}
	dock := q.Get("dock")
	var (
		query string
		args  []any
	)
	if l.secure {
		if len(dock) > 8 {
			writeError(w, http.StatusBadRequest, "bad_request", "dock is at most 8 characters")
			return
		}
		query = `SELECT id, dock, number, length_m, price_cents, status FROM berths`
		if dock != "" {
			query += ` WHERE dock = ?`
			args = append(args, dock)
		}
		query += ` ORDER BY id LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	} else {
		query = `SELECT id, dock, number, length_m, price_cents, status FROM berths`
		if dock != "" {
			query += ` WHERE dock = '` + dock + `'`
		}
		query += ` ORDER BY id LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset)
	}
	rows, err := l.db.QueryContext(r.Context(), query, args...)
	if err != nil {
		l.dbError(w, err, query)
		return
	}
	defer rows.Close()
	out := []berth{}
	for rows.Next() {
		var b berth
		if err := rows.Scan(&b.ID, &b.Dock, &b.Number, &b.LengthM, &b.PriceCents, &b.Status); err != nil {
			l.dbError(w, err, query)
			return
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		l.dbError(w, err, query)
		return
	}
	if !l.secure && limit > maxPage {
		// The vulnerable lab pads a page beyond the documented maximum with
		// generated rows, so an unbounded limit really costs the server.
		for i := len(out); i < min(limit, 10000); i++ {
			out = append(out, berth{ID: int64(1000 + i), Dock: "Z", Number: i, LengthM: 5, PriceCents: 1000, Status: "planned"})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "limit": limit, "offset": offset})
}

func (l *Lab) handleBerth(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "berthId")
	if !ok {
		return
	}
	var b berth
	err := l.db.QueryRowContext(r.Context(), `SELECT id, dock, number, length_m, price_cents, status FROM berths WHERE id = ?`, id).
		Scan(&b.ID, &b.Dock, &b.Number, &b.LengthM, &b.PriceCents, &b.Status)
	if errors.Is(err, sql.ErrNoRows) {
		notFound(w, "berth")
		return
	}
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM berths WHERE id = ?")
		return
	}
	writeJSON(w, http.StatusOK, b)
}

type booking struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"user_id"`
	BerthID    int64  `json:"berth_id"`
	BoatID     *int64 `json:"boat_id"`
	Nights     int    `json:"nights"`
	TotalCents int64  `json:"total_cents"`
	Status     string `json:"status"`
	Notes      string `json:"notes"`
	CreatedAt  string `json:"created_at"`
}

const bookingCols = `id, user_id, berth_id, boat_id, nights, total_cents, status, notes, created_at`

func scanBooking(s interface{ Scan(...any) error }) (booking, error) {
	var b booking
	var boatID sql.NullInt64
	err := s.Scan(&b.ID, &b.UserID, &b.BerthID, &boatID, &b.Nights, &b.TotalCents, &b.Status, &b.Notes, &b.CreatedAt)
	if boatID.Valid {
		b.BoatID = &boatID.Int64
	}
	return b, err
}

func (l *Lab) handleMyBookings(w http.ResponseWriter, r *http.Request) {
	rows, err := l.db.QueryContext(r.Context(), `SELECT `+bookingCols+` FROM bookings WHERE user_id = ? ORDER BY id`, who(r).ID)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM bookings")
		return
	}
	defer rows.Close()
	out := []booking{}
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			l.dbError(w, err, "")
			return
		}
		out = append(out, b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

type bookingInput struct {
	BerthID int64  `json:"berth_id"`
	BoatID  *int64 `json:"boat_id"`
	Nights  int    `json:"nights"`
	Notes   string `json:"notes"`
}

// handleCreateBooking books a berth. The spec says nights is 1 to 60; the
// vulnerable lab takes any number, so zero or negative nights make a free
// or negative booking (flow-negative-nights).
func (l *Lab) handleCreateBooking(w http.ResponseWriter, r *http.Request) {
	var in bookingInput
	if !l.readJSON(w, r, &in) {
		return
	}
	if l.secure && (in.Nights < 1 || in.Nights > 60 || len(in.Notes) > 500) {
		writeError(w, http.StatusBadRequest, "bad_request", "nights must be from 1 to 60 and notes at most 500 characters")
		return
	}
	var price int64
	err := l.db.QueryRowContext(r.Context(), `SELECT price_cents FROM berths WHERE id = ?`, in.BerthID).Scan(&price)
	if errors.Is(err, sql.ErrNoRows) {
		writeError(w, http.StatusBadRequest, "bad_request", "berth %d does not exist", in.BerthID)
		return
	}
	if err != nil {
		l.dbError(w, err, "SELECT price_cents FROM berths")
		return
	}
	if in.BoatID != nil {
		var owner int64
		err := l.db.QueryRowContext(r.Context(), `SELECT owner_id FROM boats WHERE id = ?`, *in.BoatID).Scan(&owner)
		if err != nil || (l.secure && owner != who(r).ID) {
			writeError(w, http.StatusBadRequest, "bad_request", "boat %d is not one of yours", *in.BoatID)
			return
		}
	}
	res, err := l.db.ExecContext(r.Context(), `INSERT INTO bookings (user_id, berth_id, boat_id, nights, total_cents, status, notes, created_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, who(r).ID, in.BerthID, in.BoatID, in.Nights, price*int64(in.Nights), in.Notes,
		l.now().UTC().Format(time.RFC3339))
	if err != nil {
		l.dbError(w, err, "INSERT INTO bookings")
		return
	}
	id, _ := res.LastInsertId()
	b, err := scanBooking(l.db.QueryRowContext(r.Context(), `SELECT `+bookingCols+` FROM bookings WHERE id = ?`, id))
	if err != nil {
		l.dbError(w, err, "")
		return
	}
	w.Header().Set("Location", "/api/v2/bookings/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusCreated, b)
}

// bookingFor loads the booking of the path. check says whether this
// operation checks ownership in the vulnerable lab; the twin always does.
// The vulnerable lab panics on a non-numeric id and its recovery prints
// the stack (conf-verbose-errors).
func (l *Lab) bookingFor(w http.ResponseWriter, r *http.Request, check bool) (booking, bool) {
	raw := r.PathValue("bookingId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		if !l.secure {
			panic(fmt.Errorf("bookings: parse id %q: %w", raw, err))
		}
		writeError(w, http.StatusBadRequest, "bad_request", "bookingId must be a positive integer")
		return booking{}, false
	}
	b, err := scanBooking(l.db.QueryRowContext(r.Context(), `SELECT `+bookingCols+` FROM bookings WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (l.secure || check) && b.UserID != who(r).ID && who(r).Role != "admin") {
		notFound(w, "booking")
		return booking{}, false
	}
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM bookings WHERE id = ?")
		return booking{}, false
	}
	return b, true
}

func (l *Lab) handleGetBooking(w http.ResponseWriter, r *http.Request) {
	if b, ok := l.bookingFor(w, r, true); ok {
		writeJSON(w, http.StatusOK, b)
	}
}

// handleUpdateBooking changes a booking's notes. The vulnerable lab does
// not check the owner (bola-update-booking).
func (l *Lab) handleUpdateBooking(w http.ResponseWriter, r *http.Request) {
	b, ok := l.bookingFor(w, r, false)
	if !ok {
		return
	}
	var in struct {
		Notes *string `json:"notes"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	if in.Notes != nil {
		if l.secure && len(*in.Notes) > 500 {
			writeError(w, http.StatusBadRequest, "bad_request", "notes are at most 500 characters")
			return
		}
		if _, err := l.db.ExecContext(r.Context(), `UPDATE bookings SET notes = ? WHERE id = ?`, *in.Notes, b.ID); err != nil {
			l.dbError(w, err, "UPDATE bookings")
			return
		}
		b.Notes = *in.Notes
	}
	writeJSON(w, http.StatusOK, b)
}

func (l *Lab) setStatus(w http.ResponseWriter, r *http.Request, b booking, status string) {
	if _, err := l.db.ExecContext(r.Context(), `UPDATE bookings SET status = ? WHERE id = ?`, status, b.ID); err != nil {
		l.dbError(w, err, "UPDATE bookings SET status")
		return
	}
	b.Status = status
	writeJSON(w, http.StatusOK, b)
}

func (l *Lab) handlePay(w http.ResponseWriter, r *http.Request) {
	b, ok := l.bookingFor(w, r, true)
	if !ok {
		return
	}
	var in struct {
		PaymentMethodID int64 `json:"payment_method_id"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	if b.Status != "pending" {
		writeError(w, http.StatusConflict, "conflict", "booking %d is already %s", b.ID, b.Status)
		return
	}
	var owner int64
	err := l.db.QueryRowContext(r.Context(), `SELECT user_id FROM payment_methods WHERE id = ?`, in.PaymentMethodID).Scan(&owner)
	if err != nil || owner != b.UserID {
		writeError(w, http.StatusBadRequest, "bad_request", "payment method %d is not one of yours", in.PaymentMethodID)
		return
	}
	if _, err := l.db.ExecContext(r.Context(), `UPDATE bookings SET payment_method_id = ? WHERE id = ?`, in.PaymentMethodID, b.ID); err != nil {
		l.dbError(w, err, "UPDATE bookings")
		return
	}
	l.setStatus(w, r, b, "paid")
}

// handleConfirm confirms a booking. The twin requires payment first; the
// vulnerable lab confirms pending bookings too (flow-skip-payment).
func (l *Lab) handleConfirm(w http.ResponseWriter, r *http.Request) {
	b, ok := l.bookingFor(w, r, true)
	if !ok {
		return
	}
	switch {
	case b.Status == "confirmed":
		writeError(w, http.StatusConflict, "conflict", "booking %d is already confirmed", b.ID)
	case b.Status == "pending" && l.secure:
		writeError(w, http.StatusConflict, "conflict", "booking %d must be paid before it is confirmed", b.ID)
	default:
		l.setStatus(w, r, b, "confirmed")
	}
}

// handleCoupon applies a coupon to a pending booking. The vulnerable lab
// applies the same coupon again and again (flow-coupon-replay).
func (l *Lab) handleCoupon(w http.ResponseWriter, r *http.Request) {
	b, ok := l.bookingFor(w, r, true)
	if !ok {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	if b.Status != "pending" {
		writeError(w, http.StatusConflict, "conflict", "coupons apply to pending bookings only")
		return
	}
	var percent int64
	err := l.db.QueryRowContext(r.Context(), `SELECT percent FROM coupons WHERE code = ?`, in.Code).Scan(&percent)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "unknown coupon")
		return
	}
	if l.secure {
		var n int
		l.db.QueryRowContext(r.Context(), `SELECT count(*) FROM redemptions WHERE code = ? AND (booking_id = ? OR user_id = ?)`,
			in.Code, b.ID, who(r).ID).Scan(&n)
		if n > 0 {
			writeError(w, http.StatusConflict, "conflict", "coupon %s was already redeemed", in.Code)
			return
		}
	}
	b.TotalCents = b.TotalCents * (100 - percent) / 100
	if _, err := l.db.ExecContext(r.Context(), `UPDATE bookings SET total_cents = ? WHERE id = ?`, b.TotalCents, b.ID); err != nil {
		l.dbError(w, err, "UPDATE bookings")
		return
	}
	l.db.ExecContext(r.Context(), `INSERT INTO redemptions VALUES (?, ?, ?)`, in.Code, b.ID, who(r).ID)
	writeJSON(w, http.StatusOK, b)
}

// handleExport is the deprecated CSV export (inv-deprecated-export). It
// still answers in the vulnerable lab, with every member's bookings; the
// twin has retired it (410).
func (l *Lab) handleExport(w http.ResponseWriter, r *http.Request) {
	if l.secure {
		writeError(w, http.StatusGone, "gone", "the CSV export was retired: use GET /api/v2/bookings")
		return
	}
	rows, err := l.db.QueryContext(r.Context(), `SELECT b.id, u.username, u.email, b.berth_id, b.nights, b.total_cents, b.status, b.notes
		FROM bookings b JOIN users u ON u.id = b.user_id ORDER BY b.id`)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM bookings")
		return
	}
	defer rows.Close()
	var buf strings.Builder
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"id", "member", "email", "berth_id", "nights", "total_cents", "status", "notes"})
	for rows.Next() {
		rec := make([]string, 8)
		ptrs := make([]any, 8)
		for i := range rec {
			ptrs[i] = &rec[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			l.dbError(w, err, "")
			return
		}
		cw.Write(rec)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Deprecation", "true")
	w.Header().Set("Sunset", "Sat, 01 Nov 2025 00:00:00 GMT")
	w.Write([]byte(buf.String()))
}

type invoice struct {
	BookingID  int64  `json:"booking_id"`
	Member     string `json:"member"`
	Address    string `json:"address"`
	BerthID    int64  `json:"berth_id"`
	Nights     int    `json:"nights"`
	TotalCents int64  `json:"total_cents"`
	Status     string `json:"status"`
}

// handleInvoice returns the invoice of ?booking_id=. The vulnerable lab
// never checks whose booking it is (bola-invoice-query).
func (l *Lab) handleInvoice(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("booking_id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "booking_id must be a positive integer")
		return
	}
	var inv invoice
	var owner int64
	err = l.db.QueryRowContext(r.Context(), `SELECT b.id, b.user_id, u.full_name, u.address, b.berth_id, b.nights, b.total_cents, b.status
		FROM bookings b JOIN users u ON u.id = b.user_id WHERE b.id = ?`, id).
		Scan(&inv.BookingID, &owner, &inv.Member, &inv.Address, &inv.BerthID, &inv.Nights, &inv.TotalCents, &inv.Status)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && l.secure && owner != who(r).ID && who(r).Role != "admin") {
		notFound(w, "invoice")
		return
	}
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM bookings")
		return
	}
	writeJSON(w, http.StatusOK, inv)
}

// handleValidateCoupon checks a coupon code. The vulnerable lab evaluates
// a JSON filter: {"code": {"$ne": ""}} matches the first coupon, hidden
// staff coupons included (inj-nosql-coupon). The twin takes a string.
func (l *Lab) handleValidateCoupon(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code any `json:"code"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	if _, ok := in.Code.(string); !ok && l.secure {
		writeError(w, http.StatusBadRequest, "bad_request", "code must be a string")
		return
	}
	rows, err := l.db.QueryContext(r.Context(), `SELECT code, percent FROM coupons ORDER BY public, code`)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM coupons")
		return
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var percent int
		if err := rows.Scan(&code, &percent); err != nil {
			l.dbError(w, err, "")
			return
		}
		if matchFilter(code, in.Code) {
			writeJSON(w, http.StatusOK, map[string]any{"valid": true, "code": code, "percent": percent})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": false})
}

// matchFilter evaluates a Mongo-style condition against a value: a string
// means equality, an object holds operators ($eq, $ne, $gt, $gte, $lt,
// $lte, $in, $nin, $regex, $exists).
func matchFilter(v string, cond any) bool {
	switch c := cond.(type) {
	case string:
		return v == c
	case map[string]any:
		for op, arg := range c {
			s := fmt.Sprint(arg)
			if arg == nil {
				s = ""
			}
			var ok bool
			switch op {
			case "$eq":
				ok = v == s
			case "$ne":
				ok = v != s
			case "$gt":
				ok = v > s
			case "$gte":
				ok = v >= s
			case "$lt":
				ok = v < s
			case "$lte":
				ok = v <= s
			case "$exists":
				ok = arg != false
			case "$regex":
				m, err := compileBacktrack(s)
				ok = err == nil && func() bool { hit, _ := m.match(v, time.Now().Add(searchBudget)); return hit }()
			case "$in", "$nin":
				list, _ := arg.([]any)
				for _, e := range list {
					if fmt.Sprint(e) == v {
						ok = true
					}
				}
				ok = ok == (op == "$in")
			}
			if !ok {
				return false
			}
		}
		return true
	}
	return false
}
