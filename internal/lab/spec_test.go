package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi/datamodel"
	"go.yaml.in/yaml/v3"
)

type specDoc struct {
	OpenAPI string                    `yaml:"openapi"`
	Paths   map[string]map[string]any `yaml:"paths"`
}

func loadSpec(t *testing.T, secure bool) specDoc {
	t.Helper()
	var d specDoc
	if err := yaml.Unmarshal(Spec(secure), &d); err != nil {
		t.Fatalf("Spec(%v) is not YAML: %v", secure, err)
	}
	return d
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

func TestSpec(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			d := loadSpec(t, secure)
			if d.OpenAPI != "3.1.0" {
				t.Errorf("openapi = %q, want 3.1.0", d.OpenAPI)
			}
			doc, err := libopenapi.NewDocumentWithConfiguration(Spec(secure), &datamodel.DocumentConfiguration{
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatalf("libopenapi: %v", err)
			}
			if _, err := doc.BuildV3Model(); err != nil {
				t.Fatalf("libopenapi model: %v", err)
			}
			v, errs := validator.NewValidator(doc)
			if len(errs) > 0 {
				t.Fatalf("validator: %v", errs)
			}
			if ok, verrs := v.ValidateDocument(); !ok {
				for _, e := range verrs {
					t.Errorf("spec does not validate against the OpenAPI 3.1 schema: %s: %s", e.Message, e.Reason)
				}
			}
			ops := 0
			for path, item := range d.Paths {
				for m, o := range item {
					op, _ := o.(map[string]any)
					if !slices.Contains(methods, m) {
						continue
					}
					ops++
					_, dep := op["deprecated"]
					resp, _ := op["responses"].(map[string]any)
					_, def := resp["default"]
					if secure && dep {
						t.Errorf("%s %s: the twin's spec keeps a deprecated operation", m, path)
					}
					if secure && !def {
						t.Errorf("%s %s: the twin's spec has no default response", m, path)
					}
					params, _ := op["parameters"].([]any)
					for _, p := range params {
						pm, _ := p.(map[string]any)
						if secure && pm["in"] == "query" && escarpSensitive(fmt.Sprint(pm["name"])) {
							t.Errorf("%s %s: the twin's spec takes %v in the query", m, path, pm["name"])
						}
					}
				}
			}
			if ops < 38 {
				t.Errorf("%d operations, want at least 38", ops)
			}
			if !secure {
				for _, f := range Flaws() {
					item, ok := d.Paths[f.Path]
					_, has := item[strings.ToLower(f.Method)]
					if f.Documented != (ok && has) {
						t.Errorf("flaw %s: %s %s documented = %v in flaws.json but %v in the spec", f.ID, f.Method, f.Path, f.Documented, ok && has)
					}
				}
				if op, _ := d.Paths["/api/v2/bookings/export"]["get"].(map[string]any); op["deprecated"] != true {
					t.Error("GET /api/v2/bookings/export is not deprecated in the lab's spec")
				}
			}
		})
	}
}

func escarpSensitive(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "token") || strings.Contains(n, "secret")
}

func TestFlawsGroundTruth(t *testing.T) {
	seen := map[string]bool{}
	owasp := map[string]int{}
	cwe := regexp.MustCompile(`^CWE-[0-9]+$`)
	rule := regexp.MustCompile(`^ESC-DAST-[A-Z]+-[0-9]{3}$`)
	for _, f := range Flaws() {
		if seen[f.ID] {
			t.Errorf("duplicate flaw id %s", f.ID)
		}
		seen[f.ID] = true
		if _, ok := escarp.OWASPTop10[f.OWASP]; !ok {
			t.Errorf("%s: owasp %q is not an OWASP API Top 10 2023 id", f.ID, f.OWASP)
		}
		owasp[f.OWASP]++
		if !cwe.MatchString(f.CWE) {
			t.Errorf("%s: cwe %q", f.ID, f.CWE)
		}
		if len(f.Rules) == 0 || len(f.Rules) > 3 {
			t.Errorf("%s: %d rules, want 1 to 3", f.ID, len(f.Rules))
		}
		for _, r := range f.Rules {
			if !rule.MatchString(r) {
				t.Errorf("%s: rule %q is not an ESC-DAST id", f.ID, r)
			}
		}
		if f.Method == "" || !strings.HasPrefix(f.Path, "/") || f.Title == "" || f.Hint == "" {
			t.Errorf("%s: incomplete: %+v", f.ID, f)
		}
	}
	for id := range escarp.OWASPTop10 {
		if owasp[id] == 0 {
			t.Errorf("no flaw covers %s", id)
		}
	}
}

// journey is legitimate use of the API, the same in both modes.
func journey(t *testing.T, e *env, check func(name string, req *http.Request, res *http.Response, body []byte)) []int {
	var statuses []int
	step := func(name, method, path, user string, body any, headers ...string) map[string]any {
		t.Helper()
		var rd io.Reader
		data, ctype := []byte(nil), "application/json"
		switch b := body.(type) {
		case nil:
		case string:
			data, ctype = []byte(b), "application/xml"
		default:
			data, _ = json.Marshal(b)
		}
		if data != nil {
			rd = bytes.NewReader(data)
		}
		req, _ := http.NewRequest(method, e.srv.URL+path, rd)
		if data != nil {
			req.Header.Set("Content-Type", ctype)
		}
		if user != "" {
			req.Header.Set("Authorization", "Bearer "+e.token(user))
		}
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		statuses = append(statuses, res.StatusCode)
		if res.StatusCode >= 400 {
			t.Errorf("%s: %s %s = %d %s", name, method, path, res.StatusCode, out)
		}
		if data != nil {
			req.Body = io.NopCloser(bytes.NewReader(data))
		}
		res.Body = io.NopCloser(bytes.NewReader(out))
		check(name, req, res, out)
		var m map[string]any
		json.Unmarshal(out, &m)
		return m
	}
	step("health", "GET", "/api/v2/health", "", nil)
	step("me", "GET", "/api/v2/users/me", "alice", nil)
	step("update me", "PATCH", "/api/v2/users/me", "alice", map[string]string{"phone": "+44 1632 960000"})
	step("profile", "GET", "/api/v2/users/3/profile", "alice", nil)
	step("cards", "GET", "/api/v2/payments/methods", "alice", nil)
	step("berths", "GET", "/api/v2/berths?dock=A&limit=10", "", nil)
	step("berth", "GET", "/api/v2/berths/2", "", nil)
	step("my boats", "GET", "/api/v2/boats", "alice", nil)
	boat := step("new boat", "POST", "/api/v2/boats", "alice", map[string]any{"name": "Kittiwake", "registration": "QS-4001", "length_m": 8.2})
	step("boat", "GET", fmt.Sprintf("/api/v2/boats/%v", boat["id"]), "alice", nil)
	step("search", "GET", "/api/v2/boats/search?pattern=%5ESea", "alice", nil)
	step("import", "POST", "/api/v2/boats/import", "alice", `<boat><name>Puffin</name><registration>QS-4002</registration><length_m>6.5</length_m></boat>`)
	step("delete boat", "DELETE", fmt.Sprintf("/api/v2/boats/%v", boat["id"]), "alice", nil)
	step("my bookings", "GET", "/api/v2/bookings", "alice", nil)
	b := step("book", "POST", "/api/v2/bookings", "alice", map[string]any{"berth_id": 2, "boat_id": 1, "nights": 2})
	id := fmt.Sprint(b["id"])
	step("coupon", "POST", "/api/v2/bookings/"+id+"/coupon", "alice", map[string]string{"code": "WELCOME10"})
	step("pay", "POST", "/api/v2/bookings/"+id+"/pay", "alice", map[string]int{"payment_method_id": 1})
	step("confirm", "POST", "/api/v2/bookings/"+id+"/confirm", "alice", nil)
	step("booking", "GET", "/api/v2/bookings/"+id, "alice", nil)
	step("notes", "PATCH", "/api/v2/bookings/"+id, "alice", map[string]string{"notes": "Arriving Friday"})
	step("invoice", "GET", "/api/v2/invoices?booking_id="+id, "alice", nil)
	step("validate", "POST", "/api/v2/coupons/validate", "alice", map[string]string{"code": "SPRING25"})
	step("reviews", "GET", "/api/v2/reviews", "", nil)
	step("review", "POST", "/api/v2/reviews", "alice", map[string]any{"rating": 5, "body": "Calm water, kind staff."})
	step("notifications", "GET", "/api/v2/notifications", "alice", nil)
	step("preview", "POST", "/api/v2/notifications/preview", "alice", map[string]string{"template": "Ahoy {{user.name}}, welcome to {{marina.name}}!"})
	step("notices", "GET", "/api/v2/marina/notices", "alice", nil)
	step("document", "GET", "/api/v2/marina/documents?file=tide-table.txt", "alice", nil)
	step("occupancy", "GET", "/api/v2/reports/occupancy", "alice", nil)
	step("lookup", "POST", "/api/v2/tools/dns-lookup", "alice", map[string]string{"host": "localhost"})
	step("admin users", "GET", "/api/v2/admin/users", "admin", nil)
	step("admin settings", "GET", "/api/v2/admin/settings", "admin", nil)
	step("admin put settings", "PUT", "/api/v2/admin/settings", "admin", map[string]string{"harbour_notice": "Regatta on Saturday."})
	step("logout", "GET", "/api/v2/auth/logout?next=/", "", nil)
	return statuses
}

// TestLegitimateUse runs the same journey on both modes: every step
// succeeds with the same status, and every response conforms to the
// mode's own spec.
func TestLegitimateUse(t *testing.T) {
	var got [2][]int
	for i, secure := range []bool{false, true} {
		doc, err := libopenapi.NewDocumentWithConfiguration(Spec(secure), &datamodel.DocumentConfiguration{
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		e := newEnv(t, secure)
		got[i] = journey(t, e, func(name string, req *http.Request, res *http.Response, body []byte) {
			if ok, verrs := v.ValidateHttpResponse(req, res); !ok {
				for _, ve := range verrs {
					t.Errorf("secure=%v %s: response does not match the spec: %s (%s)", secure, name, ve.Message, ve.Reason)
				}
			}
		})
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("statuses differ between the lab and the twin:\nlab:  %v\ntwin: %v", got[0], got[1])
	}
}

func TestTwinLoginThrottle(t *testing.T) {
	e := newEnv(t, true)
	limited := false
	for i := range 20 {
		r := e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": "alice", "password": fmt.Sprint("wrong-", i)})
		if r.status == http.StatusTooManyRequests {
			limited = true
			if r.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
	}
	if !limited {
		t.Fatal("twin never throttled 20 failed logins for alice")
	}
	// Successful logins are never throttled: the scanner's identity keeps working.
	r := e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": "alice", "password": password("alice")})
	if r.status != http.StatusOK {
		t.Errorf("alice's correct login after throttling = %d %s, want 200", r.status, r.body)
	}
	// Another account from the same client is not locked.
	r = e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": "bob", "password": "wrong"})
	if r.status != http.StatusUnauthorized {
		t.Errorf("bob's first failed login = %d, want 401", r.status)
	}
}

func TestTwinAnswers429InABurst(t *testing.T) {
	e := newEnv(t, true)
	tok := e.token("alice")
	for _, path := range []string{"/api/v2/boats/search?pattern=x", "/api/v2/health"} {
		limited := false
		for range 50 {
			if e.do("GET", path, tok, nil).status == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Errorf("GET %s: no 429 within a burst of 50", path)
		}
		time.Sleep(time.Second) // let the client's bucket refill
	}
}

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8888", true}, {"localhost:0", true}, {"[::1]:8888", true}, {"127.1.2.3:80", true},
		{"0.0.0.0:8888", false}, {":8888", false}, {"192.168.1.10:8888", false}, {"[::]:8888", false},
		{"example.com:80", false}, {"127.0.0.1", false},
	} {
		_, err := CheckAddr(tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("CheckAddr(%q) = %v, want ok %v", tc.addr, err, tc.ok)
		}
		if err != nil && escarp.KindOf(err) != escarp.Invalid {
			t.Errorf("CheckAddr(%q) kind = %v, want Invalid", tc.addr, escarp.KindOf(err))
		}
	}
}

func TestServe(t *testing.T) {
	if err := Serve(context.Background(), "0.0.0.0:8888", Options{}, nil); escarp.KindOf(err) != escarp.Invalid {
		t.Fatalf("Serve on 0.0.0.0:8888 = %v, want a refusal", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", Options{Dir: t.TempDir()}, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not start")
	}
	c := &http.Client{Timeout: 5 * time.Second}
	for _, p := range []string{"/", "/openapi.yaml", "/openapi.json", "/api/v2/health"} {
		res, err := c.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, res.StatusCode)
		}
		if p == "/openapi.json" && !json.Valid(body) {
			t.Errorf("/openapi.json is not JSON")
		}
		if p == "/" && !bytes.Contains(body, []byte("Quayside Marina")) {
			t.Errorf("landing page: %.200s", body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

// TestScanConfig checks the generated escarp.yaml and runs its login flows
// against a lab.
func TestScanConfig(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, secure)
		var cfg struct {
			Target     string `yaml:"target"`
			Spec       string `yaml:"spec"`
			Identities []struct {
				Name       string `yaml:"name"`
				Privileged bool   `yaml:"privileged"`
				Login      struct {
					Request struct {
						Method string            `yaml:"method"`
						Path   string            `yaml:"path"`
						JSON   map[string]string `yaml:"json"`
					} `yaml:"request"`
					Token  map[string]string `yaml:"token"`
					Header string            `yaml:"header"`
					Format string            `yaml:"format"`
				} `yaml:"login"`
			} `yaml:"identities"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(ScanConfig(e.srv.URL+"/", secure)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("ScanConfig is not the expected YAML: %v", err)
		}
		if cfg.Target != e.srv.URL || cfg.Spec != e.srv.URL+"/openapi.yaml" {
			t.Errorf("target %q spec %q", cfg.Target, cfg.Spec)
		}
		var names []string
		for _, id := range cfg.Identities {
			names = append(names, id.Name)
			if id.Privileged != (id.Name == "admin") {
				t.Errorf("%s: privileged = %v", id.Name, id.Privileged)
			}
			l := id.Login
			if l.Token["json"] != "/access_token" || l.Header != "Authorization" || l.Format != "Bearer {token}" {
				t.Errorf("%s: login = %+v", id.Name, l)
			}
			r := e.do(l.Request.Method, l.Request.Path, "", l.Request.JSON)
			tok, _ := r.json(t)["access_token"].(string)
			if me := e.do("GET", "/api/v2/users/me", tok, nil); me.status != 200 || me.json(t)["username"] != id.Name {
				t.Errorf("%s: login flow does not work: %d %s", id.Name, me.status, me.body)
			}
		}
		if !slices.Equal(names, []string{"alice", "bob", "admin"}) {
			t.Errorf("identities = %v", names)
		}
	}
}

func TestLanding(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, secure)
		r := e.do("GET", "/", "", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET / = %d %s", r.status, r.header.Get("Content-Type"))
		}
		for _, u := range Users() {
			if !r.has(u.Password) {
				t.Errorf("landing page does not list %s", u.Username)
			}
		}
		lessons := strings.Count(string(r.body), `<tr class="lesson">`)
		if want := map[bool]int{false: len(Flaws()), true: 0}[secure]; lessons != want {
			t.Errorf("secure=%v: %d lessons on the landing page, want %d", secure, lessons, want)
		}
		nf := e.do("GET", "/no/such/thing", "", nil)
		if nf.status != 404 || nf.json(t)["error"] != "not_found" {
			t.Errorf("unknown path = %d %s, want a JSON 404", nf.status, nf.body)
		}
		mna := e.do("DELETE", "/api/v2/health", "", nil)
		if mna.status != 405 || mna.json(t)["error"] != "method_not_allowed" {
			t.Errorf("DELETE /api/v2/health = %d %s, want a JSON 405", mna.status, mna.body)
		}
	}
}

func TestBacktrackAgreesWithRE2(t *testing.T) {
	inputs := []string{"", "Sea Breeze", "Little Auk", "aaa!", "Mistral\nketch", "QS-1001", "ÅSE"}
	for _, p := range []string{`^Sea`, `Auk$`, `a+!`, `(?i)mistral`, `[0-9]{4}`, `^(a|b)*$`, `\bketch\b`, `.`, `x?y*`, `^$`, `(?i)åse`, `Q.-1{2,3}0?1`} {
		bt, err := compileBacktrack(p)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		re := regexp.MustCompile(p)
		for _, in := range inputs {
			got, timedOut := bt.match(in, time.Now().Add(time.Second))
			if timedOut || got != re.MatchString(in) {
				t.Errorf("match(%q, %q) = %v (timed out %v), RE2 says %v", p, in, got, timedOut, re.MatchString(in))
			}
		}
	}
}

func TestEvalExpr(t *testing.T) {
	vars := map[string]any{"user.name": "Alice"}
	for _, tc := range []struct {
		src  string
		want string
	}{
		{"7*7", "49"}, {"1+2*3", "7"}, {"(1+2)*3", "9"}, {"10-4-3", "3"}, {"-2*3", "-6"}, {"7*'7'", "7777777"},
		{" user.name ", "Alice"}, {"user.name + '!'", "Alice!"}, {"17 % 5", "2"},
	} {
		v, err := evalExpr(tc.src, vars)
		if err != nil || fmt.Sprint(v) != tc.want {
			t.Errorf("evalExpr(%q) = %v, %v, want %s", tc.src, v, err, tc.want)
		}
	}
	for _, bad := range []string{"1/0", "nope", "(1", "1 +", strings.Repeat("(", 100) + "1"} {
		if _, err := evalExpr(bad, vars); err == nil {
			t.Errorf("evalExpr(%q) succeeded", bad)
		}
	}
}
