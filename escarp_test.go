package escarp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSeverity(t *testing.T) {
	tests := []struct {
		s     Severity
		name  string
		level string
		score float64
	}{
		{SeverityCritical, "critical", "error", 9.5},
		{SeverityHigh, "high", "error", 8.0},
		{SeverityMedium, "medium", "warning", 5.5},
		{SeverityLow, "low", "note", 3.0},
		{SeverityInfo, "info", "note", 0.0},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.s, got, tt.name)
		}
		if got := tt.s.SARIFLevel(); got != tt.level {
			t.Errorf("%s.SARIFLevel() = %q, want %q", tt.s, got, tt.level)
		}
		if got := tt.s.SecurityScore(); got != tt.score {
			t.Errorf("%s.SecurityScore() = %v, want %v", tt.s, got, tt.score)
		}
		got, err := ParseSeverity(strings.ToUpper(tt.name))
		if err != nil || got != tt.s {
			t.Errorf("ParseSeverity(%q) = %v, %v", strings.ToUpper(tt.name), got, err)
		}
	}
	if _, err := ParseSeverity("severe"); ExitCode(err) != 2 {
		t.Errorf("ParseSeverity(severe) error = %v, want an input error", err)
	}
	b, _ := json.Marshal(struct{ S Severity }{SeverityHigh})
	if string(b) != `{"S":"high"}` {
		t.Errorf("json = %s", b)
	}
	var v struct{ S Severity }
	if err := json.Unmarshal([]byte(`{"S":"medium"}`), &v); err != nil || v.S != SeverityMedium {
		t.Errorf("unmarshal = %v, %v", v.S, err)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&Error{Kind: Threshold}, 1},
		{&Error{Kind: Invalid}, 2},
		{fmt.Errorf("load: %w", &Error{Kind: NotFound}), 2},
		{&Error{Kind: Unavailable}, 3},
		{errors.New("boom"), 3},
		// An Internal wrapper around a classified cause takes the cause's kind.
		{&Error{Op: "scan", Err: &Error{Kind: Invalid}}, 2},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	err := InvalidAt(Position{File: "api.yaml", Line: 12, Column: 3}, "bad indentation: %w", errors.New("yaml"))
	if got, want := err.Error(), "api.yaml:12:3: bad indentation: yaml"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := &Error{Op: "load", Kind: Invalid, Message: "reading spec", Err: errors.New("permission denied")}
	if got, want := wrapped.Error(), "reading spec: permission denied"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, errors.Unwrap(err)) {
		t.Error("Unwrap lost the cause")
	}
}

func TestFingerprintStable(t *testing.T) {
	base := Finding{RuleID: "ESC-DAST-BOLA-001", Kind: KindDAST,
		Location: Location{Method: "GET", Path: "/users/{id}", URL: "http://127.0.0.1:4000/users/17"}}
	other := base
	other.Location.URL = "http://127.0.0.1:5123/users/99" // port and id are volatile
	other.Message = "different text"
	if Fingerprint(&base) != Fingerprint(&other) {
		t.Error("fingerprint depends on volatile values")
	}
	moved := base
	moved.Location.Path = "/orders/{id}"
	if Fingerprint(&base) == Fingerprint(&moved) {
		t.Error("fingerprint ignores the path template")
	}
	spec := Finding{RuleID: "ESC-AUTH-002", Kind: KindAudit, Location: Location{Pointer: "/paths/~1a/get", Line: 10}}
	specMoved := spec
	specMoved.Location.Line = 99
	if Fingerprint(&spec) != Fingerprint(&specMoved) {
		t.Error("spec fingerprint depends on the line")
	}
	if len(Fingerprint(&spec)) != 32 {
		t.Errorf("fingerprint %q is not 32 hex digits", Fingerprint(&spec))
	}
	sca1 := Finding{RuleID: "GO-2022-1059", Kind: KindSCA, Package: &Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.7"}, Location: Location{File: "go.mod", Line: 5}}
	sca2 := sca1
	sca2.Location.Line = 9
	if Fingerprint(&sca1) != Fingerprint(&sca2) {
		t.Error("SCA fingerprint depends on the line")
	}
}

func TestWalkSchemaCycles(t *testing.T) {
	node := &Schema{Ref: "#/components/schemas/Node", Name: "Node", Type: []string{"object"}}
	node.Properties = map[string]*Schema{"children": {Type: []string{"array"}, Items: node}, "name": {Type: []string{"string"}}}
	var ptrs []string
	WalkSchema(node, func(p string, s *Schema) bool { ptrs = append(ptrs, p); return true })
	want := "[ /properties/children /properties/name]"
	if got := fmt.Sprint(ptrs); got != want {
		t.Errorf("WalkSchema visited %s, want %s", got, want)
	}
	api := &API{Title: "t", Schemas: map[string]*Schema{"Node": node}}
	b, err := json.Marshal(api)
	if err != nil {
		t.Fatalf("marshal recursive API: %v", err)
	}
	if !strings.Contains(string(b), `"items":{"$ref":"#/components/schemas/Node"}`) {
		t.Errorf("recursive schema not encoded as $ref: %s", b)
	}
}

func TestOperationHelpers(t *testing.T) {
	op := &Operation{Method: "GET", Path: "/a/{id}",
		Parameters: []*Parameter{{Name: "id", In: "path"}},
		Responses:  []*Response{{Status: "200", Content: []*MediaType{{MediaType: "application/json; charset=utf-8"}}}}}
	if op.Key() != "GET /a/{id}" {
		t.Errorf("Key = %q", op.Key())
	}
	if op.Param("path", "id") == nil || op.Param("query", "id") != nil {
		t.Error("Param lookup wrong")
	}
	if op.Response("200").Media("application/json") == nil {
		t.Error("Media ignores parameters")
	}
	if !op.Anonymous() {
		t.Error("no security should be anonymous")
	}
	op.Security = []SecurityRequirement{{"bearer": nil}}
	if op.Anonymous() {
		t.Error("bearer security should not be anonymous")
	}
	op.Security = append(op.Security, SecurityRequirement{})
	if !op.Anonymous() {
		t.Error("optional security should be anonymous")
	}
}

func TestInferSchema(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"id":7,"price":1.5,"tags":["a"],"owner":null,"ok":true,"name":"x"}`), &v); err != nil {
		t.Fatal(err)
	}
	s := InferSchema(v, Position{File: "a.har", Line: 3}, "/log/entries/0")
	want := map[string]string{"id": "integer", "price": "number", "tags": "array", "owner": "null", "ok": "boolean", "name": "string"}
	for k, typ := range want {
		if p := s.Properties[k]; p == nil || !p.HasType(typ) {
			t.Errorf("%s: %+v, want type %s", k, p, typ)
		}
	}
	if !s.HasType("object") || !s.Properties["tags"].Items.HasType("string") || s.Pos.Line != 3 || s.Pointer != "/log/entries/0" {
		t.Errorf("InferSchema = %+v", s)
	}
	if fmt.Sprint(s.PropertyNames) != "[id name ok owner price tags]" {
		t.Errorf("PropertyNames = %v, want sorted", s.PropertyNames)
	}
}
