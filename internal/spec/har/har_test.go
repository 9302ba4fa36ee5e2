package har

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

func loadFixture(t *testing.T) (*escarp.API, []escarp.Warning, []byte) {
	t.Helper()
	loc := filepath.Join("testdata", "shop.har")
	data, err := os.ReadFile(loc)
	if err != nil {
		t.Fatal(err)
	}
	api, w, err := Load(context.Background(), loc, data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return api, w, data
}

func TestLoad(t *testing.T) {
	api, warnings, _ := loadFixture(t)
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if api.Format != escarp.FormatHAR || api.SpecVersion != "1.2" || !strings.Contains(api.Description, "Firefox") {
		t.Errorf("API header = %q %q %q", api.Format, api.SpecVersion, api.Description)
	}
	var keys []string
	for _, op := range api.Operations {
		keys = append(keys, op.Key())
	}
	want := []string{"POST /api/auth/login", "GET /api/users/{id}/orders", "GET /img/{id}.png"}
	// The png name is not a whole identifier segment, so it stays as it is.
	want[2] = "GET /img/3f2b8c1e-9d4a-4b7e-8f6a-1c2d3e4f5a6b.png"
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	var servers []string
	for _, s := range api.Servers {
		servers = append(servers, s.URL)
	}
	if diff := cmp.Diff([]string{"https://shop.example.com", "https://cdn.example.com"}, servers); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	orders := api.Operations[1]
	if len(orders.Examples) != 2 {
		t.Fatalf("orders has %d examples, want 2", len(orders.Examples))
	}
	if p := orders.Param("path", "id"); p == nil || !p.Required {
		t.Errorf("no required path parameter id: %+v", orders.Parameters)
	}
	if orders.Param("query", "page") == nil || orders.Param("query", "api_key") == nil {
		t.Errorf("query parameters missing: %+v", orders.Parameters)
	}
	if orders.Pos.Line != 28 || orders.Pointer != "/log/entries/1" {
		t.Errorf("orders at %v %q, want line 28 /log/entries/1", orders.Pos, orders.Pointer)
	}
	var statuses []string
	for _, r := range orders.Responses {
		statuses = append(statuses, r.Status)
	}
	if diff := cmp.Diff([]string{"200", "403"}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	ok := orders.Response("200").Media("application/json")
	if ok == nil || ok.Schema == nil || !ok.Schema.HasType("array") || ok.Schema.Items.Properties["total"] == nil {
		t.Errorf("decoded base64 JSON body not inferred: %+v", ok)
	}
	// Credentials seen: bearer on one of the two orders calls (optional),
	// the session cookie on the login call.
	if diff := cmp.Diff([]escarp.SecurityRequirement{{"bearer": {}}, {}}, orders.Security); diff != "" {
		t.Errorf("orders security (-want +got):\n%s", diff)
	}
	if s := api.SecuritySchemes["bearer"]; s == nil || s.Type != escarp.SchemeHTTP || s.Scheme != "bearer" {
		t.Errorf("bearer scheme = %+v", s)
	}
	if diff := cmp.Diff([]escarp.SecurityRequirement{{"cookie:session": {}}}, api.Operations[0].Security); diff != "" {
		t.Errorf("login security (-want +got):\n%s", diff)
	}
	if api.Operations[2].Security != nil {
		t.Errorf("png security = %v, want none", api.Operations[2].Security)
	}
	login := api.Operations[0]
	if m := login.RequestBody.Media("application/json"); m == nil || m.Schema.Properties["username"] == nil {
		t.Errorf("login body = %+v", login.RequestBody)
	}
}

func TestRedaction(t *testing.T) {
	api, _, _ := loadFixture(t)
	secrets := []string{"s3cr3t-session-value", "hunter2", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig", "abcdef123456", "n3w-session"}
	for _, op := range api.Operations {
		for _, x := range op.Examples {
			all := x.URL + x.RequestBody + x.ResponseBody
			for _, vs := range x.RequestHeader {
				all += strings.Join(vs, " ")
			}
			for _, vs := range x.ResponseHeader {
				all += strings.Join(vs, " ")
			}
			for _, s := range secrets {
				if strings.Contains(all, s) {
					t.Errorf("%s: secret %q not redacted in %s", op.Key(), s, all)
				}
			}
			for k := range x.RequestHeader {
				if strings.HasPrefix(k, ":") {
					t.Errorf("pseudo-header %q kept", k)
				}
			}
		}
	}
	// Media examples are built from the redacted bodies too.
	if ex := api.Operations[0].RequestBody.Media("application/json").Example; strings.Contains(cmp.Diff(nil, ex), "hunter2") {
		t.Errorf("password in request example: %v", ex)
	}
}

func TestRead(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "shop.har"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	xs, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 4 {
		t.Fatalf("Read: %d exchanges, want 4", len(xs))
	}
	if xs[3].Method != "GET" || xs[3].ResponseBody != "" || xs[1].ResponseBody != `[{"id":7,"total":19.99}]` || xs[0].Duration != 42.5 || xs[0].Time != "2026-11-20T10:00:00.000Z" {
		t.Errorf("exchanges = %+v", xs)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
		want       string // in the message, when set
	}{
		{"syntax", "{\n  \"log\": {\n    \"entries\": [\n      {\"request\": }\n    ]\n  }\n}\n", 4, ""},
		{"no log", "{\"foo\": 1}", 1, ""},
		{"wrong type", "{\"log\": {\"entries\": [{\"request\": {\"method\": 5}}]}}", 1, "entry 1 (log.entries[0]): request.method is a number, want a string"},
		{"wrong type in a later entry", "{\"log\": {\"entries\": [\n{\"response\": {\"status\": 200}},\n{\"response\": {\"status\": \"200\"}}]}}", 3,
			"entry 2 (log.entries[1]): response.status is a string, want a whole number"},
		{"entry not an object", "{\"log\": {\"entries\": [[1]]}}", 1, "entry 1 (log.entries[0]): the entry is a list, want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(context.Background(), "x.har", []byte(tt.data))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if escarp.KindOf(err) != escarp.Invalid || !strings.HasPrefix(err.Error(), "x.har:"+strconv.Itoa(tt.line)+":") {
				t.Errorf("error %q: want Invalid at x.har:%d", err, tt.line)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "Go struct") {
				t.Errorf("error %q: want it to say %q in words", err, tt.want)
			}
		})
	}
}

func FuzzLoadHAR(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "shop.har")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"log":{"version":"1.2","entries":[]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://a/b/1"},"response":{"status":200}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		api, _, err := Load(context.Background(), "fuzz.har", data)
		if err != nil {
			if escarp.KindOf(err) != escarp.Invalid {
				t.Fatalf("error of kind %v: %v", escarp.KindOf(err), err)
			}
			return
		}
		if _, err := api.MarshalJSON(); err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
	})
}
