package checkkit_test

import (
	"net/http"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

func TestSimilarity(t *testing.T) {
	owner := `{"id": 41, "email": "alice@example.test", "name": "Alice", "updated_at": "2024-01-01T00:00:00Z", "tags": ["a", "b"]}`
	tests := []struct {
		name  string
		other string
		min   float64
		max   float64
	}{
		{"same object, clock differs", `{"id": 41, "email": "alice@example.test", "name": "Alice", "updated_at": "2025-05-05T00:00:00Z", "tags": ["b", "a"]}`, 1, 1},
		{"another object", `{"id": 42, "email": "bob@example.test", "name": "Bob", "tags": ["c"]}`, 0, 0.01},
		{"error envelope", `{"error": "not found"}`, 0, 0},
		{"not JSON", `<html>login</html>`, 0, 0},
	}
	for _, tt := range tests {
		got := checkkit.Similarity([]byte(owner), []byte(tt.other))
		if got < tt.min || got > tt.max {
			t.Errorf("%s: Similarity = %.2f, want %.2f to %.2f", tt.name, got, tt.min, tt.max)
		}
	}
	if got := checkkit.Shared([]byte(owner), []byte(owner), 5); len(got) == 0 {
		t.Errorf("Shared(owner, owner) = %q, want the distinctive members", got)
	}
}

func TestSubstantial(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"id": 1234, "name": "Alice"}`, true},
		{`{"ok": true}`, false},
		{`[]`, false},
		{`{"status": "ok", "count": 1}`, false}, // generic: nothing distinctive
		{``, false},
		{`<!doctype html><html><body>Sign in to continue, please.</body></html>`, false},
	}
	for _, tt := range tests {
		if got := checkkit.Substantial([]byte(tt.body)); got != tt.want {
			t.Errorf("Substantial(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestErrorBody(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"error": "forbidden"}`, true},
		{`{"success": false, "data": null}`, true},
		{`{"message": "Access denied for this user"}`, true},
		{`{"id": 1, "error": null}`, false},
		{`{"id": 1, "message": "hello"}`, false},
	}
	for _, tt := range tests {
		if got := checkkit.ErrorBody([]byte(tt.body)); got != tt.want {
			t.Errorf("ErrorBody(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestCreatedID(t *testing.T) {
	tests := []struct {
		header http.Header
		body   string
		want   string
	}{
		{http.Header{"Location": {"/api/orders/77"}}, `{}`, "77"},
		{http.Header{}, `{"id": 12, "owner_id": 3}`, "12"},
		{http.Header{}, `{"data": {"uuid": "9f1c"}}`, "9f1c"},
		{http.Header{}, `{"order_id": "o-5"}`, "o-5"},
		{http.Header{}, `{"name": "x"}`, ""},
	}
	for _, tt := range tests {
		resp := &check.Response{Status: 201, Header: tt.header, Body: []byte(tt.body)}
		if got := checkkit.CreatedID(resp); got != tt.want {
			t.Errorf("CreatedID(%v, %s) = %q, want %q", tt.header, tt.body, got, tt.want)
		}
	}
}

func TestReader(t *testing.T) {
	op := func(method, path string) *escarp.Operation { return &escarp.Operation{Method: method, Path: path} }
	api := &escarp.API{Operations: []*escarp.Operation{
		op("GET", "/orders"), op("POST", "/orders"),
		op("GET", "/orders/{orderId}"), op("PATCH", "/orders/{id}"), op("POST", "/orders/{id}/pay"),
	}}
	tests := []struct {
		req  *check.Request
		resp *check.Response
		want string // path read, "" for none
	}{
		{&check.Request{Op: api.Operations[3], Path: "/orders/5"}, nil, "/orders/5"},
		{&check.Request{Op: api.Operations[4], Path: "/orders/5/pay"}, nil, "/orders/5"},
		{&check.Request{Op: api.Operations[1], Path: "/orders"}, &check.Response{Header: http.Header{}, Body: []byte(`{"id": 9}`)}, "/orders/9"},
		{&check.Request{Op: api.Operations[1], Path: "/orders"}, nil, ""},
	}
	for _, tt := range tests {
		got, ok := checkkit.Reader(api, tt.req, tt.resp, "alice")
		switch {
		case tt.want == "" && ok:
			t.Errorf("Reader(%s %s) = %s, want none", tt.req.Op.Method, tt.req.Path, got.Path)
		case tt.want != "" && (!ok || got.Path != tt.want || got.Method != "GET" || got.Identity != "alice"):
			t.Errorf("Reader(%s %s) = %+v, %v, want GET %s as alice", tt.req.Op.Method, tt.req.Path, got, ok, tt.want)
		}
	}
}

func FuzzSimilarity(f *testing.F) {
	f.Add([]byte(`{"a": [1, {"b": "cccc"}]}`), []byte(`{"a": [{"b": "cccc"}, 1]}`))
	f.Add([]byte(`[[[[[]]]]]`), []byte(`{"":null}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		s := checkkit.Similarity(a, b)
		if s < 0 || s > 1 {
			t.Fatalf("Similarity = %v, want 0..1", s)
		}
		_ = checkkit.ShapeSimilarity(a, b)
		_ = checkkit.Substantial(a)
		_ = checkkit.ErrorBody(a)
		if checkkit.Similarity(a, a) == 0 && checkkit.Substantial(a) && checkkit.Object(a) != nil {
			t.Fatalf("a substantial object is not similar to itself: %s", a)
		}
	})
}
