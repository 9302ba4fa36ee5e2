package injection_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/injection"
)

// testDelay keeps time-based probes short in tests.
const testDelay = 300 * time.Millisecond

const berthsAPI = `
openapi: 3.0.3
info: {title: berths, version: "1"}
paths:
  /berths:
    get:
      parameters:
        - {name: dock, in: query, schema: {type: string}, example: A}
      responses:
        "200": {description: ok}
        "500": {description: error}
`

// openDB opens a real SQLite database with a sleep(seconds) function, as
// the lab registers one, and a few berths.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	drv := &sqlite.Driver{}
	err := drv.RegisterDeterministicScalarFunction("sleep", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		var d time.Duration
		switch v := args[0].(type) {
		case int64:
			d = time.Duration(v) * time.Second
		case float64:
			d = time.Duration(v * float64(time.Second))
		}
		time.Sleep(min(max(d, 0), 5*time.Second))
		return int64(0), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector{drv, "file:" + filepath.Join(t.TempDir(), "t.db")})
	t.Cleanup(func() { db.Close() })
	for _, s := range []string{
		`CREATE TABLE berths (id INTEGER PRIMARY KEY, dock TEXT, number INTEGER)`,
		`INSERT INTO berths (dock, number) VALUES ('A', 1), ('A', 2), ('B', 1), ('B', 2), ('C', 1), ('C', 2), ('C', 3)`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

type connector struct {
	drv *sqlite.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// berths serves GET /berths?dock=. mode: "errors" leaks database errors,
// "blind" hides them (500 without detail), "silent" answers the same
// whatever happens, "safe" binds the value.
func berths(db *sql.DB, mode string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		dock := r.URL.Query().Get("dock")
		var rows *sql.Rows
		var err error
		if mode == "safe" {
			rows, err = db.QueryContext(r.Context(), `SELECT id, dock, number FROM berths WHERE dock = ?`, dock)
		} else {
			rows, err = db.QueryContext(r.Context(), `SELECT id, dock, number FROM berths WHERE dock = '`+dock+`'`)
		}
		if mode == "silent" {
			if err == nil {
				for rows.Next() {
				}
				rows.Close()
			}
			json.NewEncoder(w).Encode(map[string]any{"status": "queued"})
			return
		}
		if err != nil {
			w.WriteHeader(500)
			if mode == "errors" {
				json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			} else {
				json.NewEncoder(w).Encode(map[string]string{"error": "internal"})
			}
			return
		}
		defer rows.Close()
		type berth struct {
			ID     int    `json:"id"`
			Dock   string `json:"dock"`
			Number int    `json:"number"`
		}
		out := []berth{}
		for rows.Next() {
			var b berth
			rows.Scan(&b.ID, &b.Dock, &b.Number)
			out = append(out, b)
		}
		json.NewEncoder(w).Encode(map[string]any{"items": out, "dock": dock})
	})
}

// only returns the findings of rule id, failing on findings of others.
func only(t *testing.T, fs []escarp.Finding, id string) []escarp.Finding {
	t.Helper()
	var out []escarp.Finding
	for _, f := range fs {
		if f.RuleID != id {
			t.Errorf("unexpected finding %s: %s", f.RuleID, f.Message)
			continue
		}
		out = append(out, f)
	}
	return out
}

func TestSQLi(t *testing.T) {
	api := checktest.API(t, berthsAPI)
	tests := []struct {
		mode string
		want string // "" for no finding, else a word of the evidence note
	}{
		{"errors", "error-based"},
		{"blind", "boolean-based"},
		{"silent", "time-based"},
		{"safe", ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			db := openDB(t)
			fs := only(t, checktest.Run(t, &injection.SQLi{Delay: testDelay}, berths(db, tt.mode), api), "ESC-DAST-INJ-001")
			if tt.want == "" {
				if len(fs) != 0 {
					t.Fatalf("safe twin: got %d findings: %s", len(fs), fs[0].Message)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Location.Param != "query:dock" || f.Location.Path != "/berths" || f.Evidence == nil ||
				!strings.Contains(f.Evidence.Note, tt.want) || f.Reproducer == "" {
				t.Errorf("finding = %+v, evidence %+v", f.Location, f.Evidence)
			}
		})
	}
}

func TestContainRewritesThirdPartyURLs(t *testing.T) {
	api := checktest.API(t, `
openapi: 3.0.3
info: {title: hooks, version: "1"}
paths:
  /hooks:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                url: {type: string, format: uri, example: "https://hooks.example.com/x"}
                host: {type: string, example: example.org}
      responses: {"200": {description: ok}}
`)
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ URL, Host string }
		json.NewDecoder(r.Body).Decode(&in)
		if in.URL != "" {
			got = append(got, in.URL, in.Host)
		}
	})
	checktest.Run(t, &injection.Template{}, h, api)
	if len(got) == 0 {
		t.Fatal("the handler saw no request")
	}
	for _, v := range got {
		if strings.Contains(v, "example.") {
			t.Errorf("a third-party value reached the target: %q", v)
		}
	}
}

var _ check.Check = (*injection.SQLi)(nil)
