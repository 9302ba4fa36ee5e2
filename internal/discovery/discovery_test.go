package discovery

import (
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

func TestBuiltin(t *testing.T) {
	ws := Builtin()
	if len(ws) < 60 {
		t.Fatalf("Builtin() = %d words, want the curated list", len(ws))
	}
	seen := map[string]bool{}
	high := false
	for _, w := range ws {
		if !strings.HasPrefix(w.Path, "/") || seen[w.Path] {
			t.Errorf("word %q: not absolute or repeated", w.Path)
		}
		seen[w.Path] = true
		high = high || w.Severity == escarp.SeverityHigh
	}
	if !high || !seen["/actuator/env"] || !seen["/v1"] {
		t.Errorf("Builtin() lacks the merged entries (high severities, /actuator/env, /v1)")
	}
}

func TestParseWordlist(t *testing.T) {
	ws, err := ParseWordlist("w.txt", []byte("# c\nadmin high\n/v2 none\n\n/debug\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 || ws[0] != (Word{Path: "/admin", Severity: escarp.SeverityHigh}) || !ws[1].NoFinding || ws[2].Severity != escarp.SeverityMedium {
		t.Errorf("ParseWordlist = %+v", ws)
	}
	if _, err := ParseWordlist("w.txt", []byte("/x\n/y extreme\n")); escarp.KindOf(err) != escarp.Invalid || !strings.Contains(err.Error(), "w.txt:2") {
		t.Errorf("ParseWordlist(bad severity) = %v, want an Invalid error at w.txt:2", err)
	}
	if got := Paths([]byte("admin x y\n# c\n/b\n")); strings.Join(got, " ") != "/admin /b" {
		t.Errorf("Paths = %q", got)
	}
}

func TestNotFound(t *testing.T) {
	page := func(path string) []byte {
		return []byte("<html><h1>Not here</h1><p>No page at " + path + ", sorry.</p></html>")
	}
	var nf NotFound
	for _, p := range Probes("/api") {
		if !strings.HasPrefix(p, "/api/") {
			t.Fatalf("Probes(/api) gave %q", p)
		}
		nf.Learn(p, 200, page(p)) // a soft 404: 200 with a page echoing the path
	}
	if !nf.Known() {
		t.Fatal("Known() = false after Learn")
	}
	tests := []struct {
		path   string
		status int
		body   []byte
		want   bool
	}{
		{"/api/admin", 200, page("/api/admin"), true},
		{"/api/admin/users/export", 200, page("/api/admin/users/export"), true},
		{"/api/admin", 404, nil, true},
		{"/api/admin", 503, nil, true},
		{"/api/admin", 200, []byte(`{"users": [{"id": 1, "name": "root"}], "debug": true}`), false},
		{"/api/admin", 401, []byte(`{"error":"login"}`), false},
	}
	for _, tt := range tests {
		if got := nf.Matches(tt.path, tt.status, tt.body); got != tt.want {
			t.Errorf("Matches(%s, %d, %q) = %v, want %v", tt.path, tt.status, tt.body, got, tt.want)
		}
	}
	var empty NotFound
	if empty.Matches("/x", 200, []byte("hello")) {
		t.Error("an empty model matched a 200")
	}
}

func FuzzParseWordlist(f *testing.F) {
	for _, s := range []string{"/admin high\n# c\n\n/debug", "x y z", "/a info\r\n/b\tlow", "/x extreme", "/v1 none"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := ParseWordlist("w.txt", []byte(s))
		if err != nil {
			return
		}
		for _, w := range ws {
			if w.Path == "" || w.Path[0] != '/' {
				t.Fatalf("word path %q does not start with /", w.Path)
			}
		}
	})
}
