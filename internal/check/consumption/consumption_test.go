package consumption_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/consumption"
)

const api = `
openapi: 3.0.3
info: {title: partners, version: "1"}
paths:
  /weather/import:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [feed_url], properties: {feed_url: {type: string, format: uri}}}
      responses: {"200": {description: ok}}
`

type feed struct {
	Station  string `json:"station"`
	Readings []struct {
		At string `json:"at"`
	} `json:"readings"`
}

// importer fetches a partner feed. The vulnerable one follows redirects,
// reads without a limit and pastes the feed into SQL; the safe one refuses
// redirects, bounds the body and binds parameters.
func importer(t *testing.T, vulnerable bool) http.Handler {
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/w.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE weather (station TEXT, at TEXT)`); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 3 * time.Second}
	if !vulnerable {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			FeedURL string `json:"feed_url"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		if u, err := url.Parse(in.FeedURL); err != nil || u.Scheme != "http" {
			http.Error(w, `{"error":"bad url"}`, 400)
			return
		}
		resp, err := client.Get(in.FeedURL)
		if err != nil {
			http.Error(w, `{"error":"fetch failed"}`, http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var body []byte
		if vulnerable {
			body, _ = io.ReadAll(resp.Body)
		} else {
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		}
		var f feed
		if resp.StatusCode != 200 || json.Unmarshal(body, &f) != nil {
			http.Error(w, `{"error":"bad feed"}`, http.StatusBadGateway)
			return
		}
		for _, rd := range f.Readings {
			if vulnerable {
				_, err = db.Exec(`INSERT INTO weather VALUES ('` + f.Station + `', '` + rd.At + `')`)
			} else {
				_, err = db.Exec(`INSERT INTO weather VALUES (?, ?)`, f.Station, rd.At)
			}
			if err != nil {
				w.WriteHeader(500)
				if vulnerable {
					json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
				}
				return
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"imported": len(f.Readings)})
	})
}

func TestUnsafeConsumption(t *testing.T) {
	a := checktest.API(t, api)
	c := &consumption.Unsafe{Wait: time.Second}
	fs := checktest.Run(t, c, importer(t, true), a)
	if len(fs) != 1 {
		t.Fatalf("vulnerable: got %d findings, want 1", len(fs))
	}
	for _, want := range []string{"follows redirects", "evaluates or breaks on injected data", "reads oversized answers"} {
		if !strings.Contains(fs[0].Message, want) {
			t.Errorf("message %q lacks %q", fs[0].Message, want)
		}
	}
	if fs[0].Location.Param != "body:/feed_url" || fs[0].Evidence == nil {
		t.Errorf("finding at %q, evidence %v", fs[0].Location.Param, fs[0].Evidence)
	}
	if fs := checktest.Run(t, c, importer(t, false), a); len(fs) != 0 {
		t.Errorf("safe twin: %s", fs[0].Message)
	}
}
