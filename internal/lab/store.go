package lab

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
)

// maxSleep bounds one call of the SQL sleep() function the lab registers so
// time-based SQL injection is real but cannot hold a connection for long.
const maxSleep = 10 * time.Second

// connector opens connections through a driver of the lab's own, so the
// sleep() function it registers is private to this lab instance and stops
// sleeping when the lab closes.
type connector struct {
	drv *sqlite.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// openDB creates the lab's database file in dir, registers sleep() and
// seeds it.
func openDB(dir string, closing <-chan struct{}) (*sql.DB, error) {
	drv := &sqlite.Driver{}
	// Deterministic, so SQLite evaluates sleep(3) with a constant argument
	// once per statement rather than once per row.
	err := drv.RegisterDeterministicScalarFunction("sleep", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		var d time.Duration
		switch v := args[0].(type) {
		case int64:
			d = time.Duration(v) * time.Second
		case float64:
			d = time.Duration(v * float64(time.Second))
		}
		d = min(max(d, 0), maxSleep)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-closing:
		}
		return int64(0), nil
	})
	if err != nil {
		return nil, fmt.Errorf("register sleep: %w", err)
	}
	path := filepath.Join(dir, "quayside.db")
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
	db := sql.OpenDB(connector{drv: drv, dsn: dsn})
	db.SetMaxOpenConns(8)
	if err := seed(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

const schema = `
CREATE TABLE users (
	id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT 'member', full_name TEXT NOT NULL, email TEXT NOT NULL,
	phone TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '', avatar_url TEXT NOT NULL DEFAULT '',
	member_since TEXT NOT NULL, last_login_ip TEXT NOT NULL DEFAULT '');
CREATE TABLE boats (
	id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL,
	registration TEXT NOT NULL, length_m REAL NOT NULL, notes TEXT NOT NULL DEFAULT '');
CREATE TABLE berths (
	id INTEGER PRIMARY KEY, dock TEXT NOT NULL, number INTEGER NOT NULL, length_m REAL NOT NULL,
	price_cents INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE bookings (
	id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), berth_id INTEGER NOT NULL,
	boat_id INTEGER, nights INTEGER NOT NULL, total_cents INTEGER NOT NULL, status TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '', payment_method_id INTEGER, created_at TEXT NOT NULL);
CREATE TABLE coupons (code TEXT PRIMARY KEY, percent INTEGER NOT NULL, public INTEGER NOT NULL);
CREATE TABLE redemptions (code TEXT NOT NULL, booking_id INTEGER NOT NULL, user_id INTEGER NOT NULL);
CREATE TABLE payment_methods (
	id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, holder TEXT NOT NULL, card_number TEXT NOT NULL,
	cvv TEXT NOT NULL, expiry TEXT NOT NULL);
CREATE TABLE reviews (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, rating INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE notifications (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, message TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE weather (id INTEGER PRIMARY KEY, station TEXT NOT NULL, wind_kt INTEGER NOT NULL, at TEXT NOT NULL);
`

// User is one seeded account of the lab.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
	FullName string `json:"full_name"`
}

// seedUsers are the lab's accounts, in id order.
var seedUsers = []struct {
	User
	email, phone, address, card, cvv string
}{
	{User{1, "admin", "Harbour-Master-1", "admin", "Maren Holt"}, "harbourmaster@quayside.test", "+44 1632 960001", "1 Harbour Office, Quayside", "", ""},
	{User{2, "alice", "alice-sails-2026", "member", "Alice Marlowe"}, "alice@quayside.test", "+44 1632 960142", "12 Ropewalk, Quayside", "4111111111111111", "123"},
	{User{3, "bob", "bob-rows-2026", "member", "Bob Tanaka"}, "bob@quayside.test", "+44 1632 960733", "7 Chandlers Row, Quayside", "5555555555554444", "456"},
	{User{4, "carol", "carol-knots-2026", "member", "Carol Nguyen"}, "carol@quayside.test", "+44 1632 960815", "3 Lighthouse Lane, Quayside", "4012888888881881", "789"},
}

// Users returns the lab's seeded accounts with their passwords. alice and
// bob are ordinary members, admin is the harbour master.
func Users() []User {
	out := make([]User, len(seedUsers))
	for i, u := range seedUsers {
		out[i] = u.User
	}
	return out
}

// hashPassword is the lab's (deliberately simple) salted SHA-256 scheme; the
// salt is the username so the seed data is reproducible.
func hashPassword(username, password string) string {
	sum := sha256.Sum256([]byte(username + ":" + password))
	return "sha256$" + username + "$" + hex.EncodeToString(sum[:])
}

func seed(db *sql.DB) error {
	if _, err := db.Exec(schema); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	for i, u := range seedUsers {
		_, err := db.Exec(`INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
			u.ID, u.Username, hashPassword(u.Username, u.Password), u.Role, u.FullName, u.email, u.phone, u.address,
			fmt.Sprintf("2024-0%d-1%d", i+2, i), fmt.Sprintf("198.51.100.%d", 10+i))
		if err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
		if u.card != "" {
			_, err := db.Exec(`INSERT INTO payment_methods (user_id, holder, card_number, cvv, expiry) VALUES (?, ?, ?, ?, '09/29')`,
				u.ID, u.FullName, u.card, u.cvv)
			if err != nil {
				return fmt.Errorf("seed cards: %w", err)
			}
		}
	}
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO boats (owner_id, name, registration, length_m, notes) VALUES
			(2, 'Sea Breeze', 'QS-1001', 9.5, 'Sloop, blue hull'),
			(2, 'Little Auk', 'QS-1002', 4.2, 'Tender'),
			(3, 'Mistral', 'QS-2001', 11.8, 'Ketch, needs shore power'),
			(4, 'Foghorn', 'QS-3001', 7.1, 'Log: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa! (the skipper leaned on the horn)'),
			(1, 'Harbour Launch', 'QS-0001', 6.0, 'Marina workboat')`,
		`INSERT INTO berths (dock, number, length_m, price_cents, status) VALUES
			('A', 1, 10, 4500, 'occupied'), ('A', 2, 10, 4500, 'free'), ('A', 3, 12, 5200, 'free'), ('A', 4, 12, 5200, 'maintenance'),
			('B', 1, 8, 3200, 'occupied'), ('B', 2, 8, 3200, 'free'), ('B', 3, 14, 6100, 'free'), ('B', 4, 14, 6100, 'occupied'),
			('C', 1, 20, 9800, 'free'), ('C', 2, 20, 9800, 'occupied'), ('C', 3, 6, 2100, 'free'), ('C', 4, 6, 2100, 'free')`,
		`INSERT INTO bookings (user_id, berth_id, boat_id, nights, total_cents, status, notes, payment_method_id, created_at) VALUES
			(2, 1, 1, 3, 13500, 'confirmed', 'Arriving late, please leave the gate code', 1, '2026-05-01T10:00:00Z'),
			(3, 5, 3, 2, 6400, 'pending', 'Need shore power', NULL, '2026-05-03T09:30:00Z'),
			(4, 8, 4, 7, 42700, 'paid', 'Week-long stay', 3, '2026-05-04T16:45:00Z')`,
		`INSERT INTO coupons VALUES ('WELCOME10', 10, 1), ('SPRING25', 25, 1), ('HARBOURCREW100', 100, 0)`,
		`INSERT INTO reviews (user_id, rating, body) VALUES (2, 5, 'Friendly staff, hot showers.'), (3, 4, 'Good shelter in a westerly.')`,
		`INSERT INTO notifications (user_id, message) VALUES
			(1, 'Fuel dock pump 2 needs a new filter.'), (2, 'Your booking #1 is confirmed. Gate code: 4417.'),
			(3, 'Booking #2 awaits payment.'), (4, 'Booking #3 paid, thank you.')`,
		`INSERT INTO settings VALUES ('maintenance_mode', 'false'), ('price_multiplier', '1.0'),
			('harbour_notice', 'Dredging in channel B on Tuesday.')`,
	)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

// writeDocs creates the public marina documents and, beside them, a
// private file the path traversal lesson reaches.
func writeDocs(dir string) (string, error) {
	docs := filepath.Join(dir, "docs")
	files := map[string]string{
		filepath.Join(docs, "harbour-rules.txt"):        "Quayside Marina harbour rules\n1. Speed limit 3 knots inside the breakwater.\n2. No swimming from the pontoons.\n3. Quiet hours 22:00-07:00.\n",
		filepath.Join(docs, "tide-table.txt"):           "High water: 06:12 (4.1 m), 18:37 (4.3 m)\nLow water: 00:05 (0.9 m), 12:24 (0.7 m)\n",
		filepath.Join(docs, "fuel-prices.txt"):          "Diesel 1.62/l, Petrol 1.71/l\n",
		filepath.Join(dir, "private", "gate-codes.txt"): "QUAYSIDE-PRIVATE gate codes: pontoon A 4417, pontoon B 9021, fuel dock 3310\n",
	}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	return docs, nil
}
