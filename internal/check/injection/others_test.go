package injection_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/injection"
)

func jsonBody(r *http.Request, v any) bool {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v) == nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// match is a tiny Mongo-style matcher: what a vulnerable handler passes
// client JSON to.
func match(v string, cond any) bool {
	switch c := cond.(type) {
	case string:
		return v == c
	case map[string]any:
		for op, arg := range c {
			s := fmt.Sprint(arg)
			if arg == nil {
				s = ""
			}
			switch op {
			case "$ne":
				return v != s
			case "$gt":
				return v > s
			case "$in":
				list, _ := arg.([]any)
				for _, x := range list {
					if fmt.Sprint(x) == v {
						return true
					}
				}
				return false
			}
		}
	}
	return false
}

func coupons(safe bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Code any }
		if !jsonBody(r, &in) {
			writeJSON(w, 400, map[string]string{"error": "bad json"})
			return
		}
		if _, ok := in.Code.(string); safe && !ok {
			writeJSON(w, 400, map[string]string{"error": "code must be a string"})
			return
		}
		for _, c := range []string{"SPRING", "WELCOME10"} {
			if match(c, in.Code) {
				writeJSON(w, 200, map[string]any{"valid": true, "code": c, "percent": 10})
				return
			}
		}
		writeJSON(w, 200, map[string]any{"valid": false})
	})
}

const couponsAPI = `
openapi: 3.0.3
info: {title: coupons, version: "1"}
paths:
  /coupons/validate:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [code], properties: {code: {type: string, example: NOPE}}}
      responses: {"200": {description: ok}}
`

func lookup(mode string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Host string }
		if !jsonBody(r, &in) || in.Host == "" {
			writeJSON(w, 400, map[string]string{"error": "host is required"})
			return
		}
		var cmd *exec.Cmd
		if mode == "safe" {
			cmd = exec.CommandContext(r.Context(), "echo", in.Host)
		} else {
			cmd = exec.CommandContext(r.Context(), "/bin/sh", "-c", "echo "+in.Host)
		}
		out, _ := cmd.CombinedOutput()
		if mode == "blind" {
			out = nil
		}
		writeJSON(w, 200, map[string]any{"host": in.Host, "output": string(out)})
	})
}

const lookupAPI = `
openapi: 3.0.3
info: {title: tools, version: "1"}
paths:
  /tools/echo:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [host], properties: {host: {type: string, example: localhost}}}
      responses: {"200": {description: ok}}
`

func preview(safe bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Template string }
		if !jsonBody(r, &in) {
			writeJSON(w, 400, map[string]string{"error": "bad json"})
			return
		}
		if safe {
			writeJSON(w, 200, map[string]string{"rendered": in.Template})
			return
		}
		tpl, err := template.New("t").Parse(in.Template)
		if err != nil {
			writeJSON(w, 400, map[string]string{"error": "template error"})
			return
		}
		var b bytes.Buffer
		if err := tpl.Execute(&b, nil); err != nil {
			writeJSON(w, 400, map[string]string{"error": "template error"})
			return
		}
		writeJSON(w, 200, map[string]string{"rendered": b.String()})
	})
}

const previewAPI = `
openapi: 3.0.3
info: {title: preview, version: "1"}
paths:
  /preview:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [template], properties: {template: {type: string, example: Hello}}}
      responses: {"200": {description: ok}}
`

func documents(t *testing.T, safe bool) http.Handler {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.txt"), []byte("harbour rules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("file")
		var data []byte
		var err error
		if safe {
			var root *os.Root
			if root, err = os.OpenRoot(dir); err == nil {
				data, err = root.ReadFile(name)
				root.Close()
			}
		} else {
			data, err = os.ReadFile(filepath.Join(dir, name))
		}
		if err != nil {
			writeJSON(w, 404, map[string]string{"error": "not found"})
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(data)
	})
}

const documentsAPI = `
openapi: 3.0.3
info: {title: docs, version: "1"}
paths:
  /documents:
    get:
      parameters:
        - {name: file, in: query, required: true, schema: {type: string}, example: rules.txt}
      responses: {"200": {description: ok}, "404": {description: missing}}
`

var entityDecl = regexp.MustCompile(`<!ENTITY\s+([A-Za-z_][\w.-]*)\s+SYSTEM\s+"([^"]+)"\s*>`)

// importer imports XML boats. mode "safe" refuses DTDs, "files" resolves
// file entities, "fetch" fetches http entities only (blind XXE).
func importer(mode string) http.Handler {
	safe := mode == "safe"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		dec := xml.NewDecoder(bytes.NewReader(body))
		if safe {
			if bytes.Contains(bytes.ToUpper(body), []byte("<!DOCTYPE")) {
				writeJSON(w, 400, map[string]string{"error": "no DOCTYPE"})
				return
			}
		} else {
			dec.Entity = map[string]string{}
			for _, m := range entityDecl.FindAllStringSubmatch(string(body), 4) {
				u, err := url.Parse(m[2])
				if err != nil {
					continue
				}
				switch {
				case u.Scheme == "file" && mode == "files":
					data, _ := os.ReadFile(u.Path)
					dec.Entity[m[1]] = string(data)
				case u.Scheme == "http" && mode == "fetch":
					resp, err := http.Get(u.String())
					if err == nil {
						resp.Body.Close()
					}
				}
			}
		}
		var in struct {
			Name    string  `xml:"name"`
			LengthM float64 `xml:"length_m"`
		}
		if err := dec.Decode(&in); err != nil {
			writeJSON(w, 400, map[string]string{"error": "bad xml"})
			return
		}
		writeJSON(w, 201, in)
	})
}

const importAPI = `
openapi: 3.0.3
info: {title: import, version: "1"}
paths:
  /boats/import:
    post:
      requestBody:
        content:
          application/xml:
            schema: {type: object, properties: {name: {type: string}, length_m: {type: number}}}
            example: <boat><name>Kittiwake</name><length_m>8.2</length_m></boat>
      responses: {"201": {description: ok}}
`

func TestInjectionChecks(t *testing.T) {
	tests := []struct {
		name    string
		check   check.Check
		api     string
		vuln    func(t *testing.T) http.Handler
		safe    func(t *testing.T) http.Handler
		param   string
		message string
	}{
		{"nosql", &injection.NoSQLi{}, couponsAPI,
			func(*testing.T) http.Handler { return coupons(false) }, func(*testing.T) http.Handler { return coupons(true) },
			"body:/code", "query operator"},
		{"command output", &injection.Command{Delay: testDelay}, lookupAPI,
			func(*testing.T) http.Handler { return lookup("output") }, func(*testing.T) http.Handler { return lookup("safe") },
			"body:/host", "ran the injected echo"},
		{"command blind", &injection.Command{Delay: testDelay}, lookupAPI,
			func(*testing.T) http.Handler { return lookup("blind") }, func(*testing.T) http.Handler { return lookup("safe") },
			"body:/host", "sleep delays"},
		{"template", &injection.Template{}, previewAPI,
			func(*testing.T) http.Handler { return preview(false) }, func(*testing.T) http.Handler { return preview(true) },
			"body:/template", "evaluated"},
		{"traversal", &injection.Traversal{}, documentsAPI,
			func(t *testing.T) http.Handler { return documents(t, false) }, func(t *testing.T) http.Handler { return documents(t, true) },
			"query:file", "read a system file"},
		{"xxe file", &injection.XXE{Wait: 500 * time.Millisecond}, importAPI,
			func(*testing.T) http.Handler { return importer("files") }, func(*testing.T) http.Handler { return importer("safe") },
			"body:", "/etc/passwd"},
		{"xxe blind", &injection.XXE{Wait: 500 * time.Millisecond}, importAPI,
			func(*testing.T) http.Handler { return importer("fetch") }, func(*testing.T) http.Handler { return importer("safe") },
			"body:", "callback URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := checktest.API(t, tt.api)
			id := tt.check.Info().ID
			fs := only(t, checktest.Run(t, tt.check, tt.vuln(t), api), id)
			if len(fs) != 1 {
				t.Fatalf("vulnerable: got %d findings, want 1", len(fs))
			}
			if fs[0].Location.Param != tt.param || !strings.Contains(fs[0].Message, tt.message) || fs[0].Evidence == nil {
				t.Errorf("finding: param %q, message %q", fs[0].Location.Param, fs[0].Message)
			}
			if fs := only(t, checktest.Run(t, tt.check, tt.safe(t), api), id); len(fs) != 0 {
				t.Errorf("safe twin: got %d findings: %s", len(fs), fs[0].Message)
			}
		})
	}
}
