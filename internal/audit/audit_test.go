package audit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

// fakeRule reports every operation whose path contains want.
func fakeRule(id string, sev escarp.Severity, want string) *Rule {
	return &Rule{
		ID: id, Title: "fake " + id, Doc: "Fake.\n\nHow to fix: do not.", Severity: sev,
		OWASP: "API2:2023", CWE: []string{"CWE-1"}, Theme: themeOfID(id),
		Aliases: []string{"alias:" + strings.ToLower(id)},
		Run: func(p *Pass) error {
			for _, op := range p.API.Operations {
				if strings.Contains(op.Path, want) {
					p.Reportf(OpAt(op), "%s matched", op.Key())
				}
			}
			return nil
		},
	}
}

func testAPI() *escarp.API {
	return &escarp.API{
		Title: "t", Location: "api.yaml", Format: escarp.FormatOpenAPI,
		Extensions: map[string]any{},
		Operations: []*escarp.Operation{
			{Method: "GET", Path: "/health", Pointer: "/paths/~1health/get", Pos: escarp.Position{File: "api.yaml", Line: 5, Column: 5},
				Extensions: map[string]any{IgnoreExtension: []any{map[string]any{"rule": "ESC-AUTH-002", "reason": "public health check"}}}},
			{Method: "POST", Path: "/healthz", Pointer: "/paths/~1healthz/post", Pos: escarp.Position{File: "api.yaml", Line: 9, Column: 5}},
			{Method: "GET", Path: "/users", Pointer: "/paths/~1users/get", Pos: escarp.Position{File: "api.yaml", Line: 12, Column: 5}},
		},
	}
}

func TestValidate(t *testing.T) {
	ok := fakeRule("ESC-AUTH-002", escarp.SeverityHigh, "x")
	tests := []struct {
		name  string
		rules []*Rule
		want  string
	}{
		{"ok", []*Rule{ok, fakeRule("ESC-AUTH-003", escarp.SeverityLow, "y")}, ""},
		{"duplicate id", []*Rule{ok, fakeRule("ESC-AUTH-002", escarp.SeverityLow, "y")}, "already used"},
		{"alias clash", []*Rule{ok, func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.Aliases = []string{"ESC-AUTH-002"}; return r }()}, "already used"},
		{"no doc", []*Rule{func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.Doc = " "; return r }()}, "no Doc"},
		{"nil run", []*Rule{func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.Run = nil; return r }()}, "nil Run"},
		{"bad severity", []*Rule{func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.Severity = 9; return r }()}, "invalid severity"},
		{"bad owasp", []*Rule{func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.OWASP = "API11:2023"; return r }()}, "OWASP"},
		{"bad theme", []*Rule{func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.Theme = "x"; return r }()}, "theme"},
		{"bad cwe", []*Rule{func() *Rule { r := fakeRule("ESC-AUTH-009", 0, ""); r.CWE = []string{"639"}; return r }()}, "CWE"},
	}
	for _, tt := range tests {
		err := Validate(tt.rules)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Validate = %v, want error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	rules := []*Rule{fakeRule("ESC-AUTH-002", escarp.SeverityHigh, "x")}
	for _, id := range []string{"ESC-AUTH-002", "esc-auth-002", "alias:esc-auth-002", " ESC-AUTH-002 "} {
		if got := Lookup(rules, id); got != rules[0] {
			t.Errorf("Lookup(%q) = %v, want ESC-AUTH-002", id, got)
		}
	}
	if got := Lookup(rules, "ESC-AUTH-003"); got != nil {
		t.Errorf("Lookup(ESC-AUTH-003) = %v, want nil", got)
	}
}

func TestRun(t *testing.T) {
	rules := []*Rule{
		fakeRule("ESC-AUTH-002", escarp.SeverityCritical, "/health"),
		fakeRule("ESC-INPUT-001", escarp.SeverityMedium, "/users"),
		fakeRule("ESC-INV-008", escarp.SeverityInfo, "/"),
	}
	run, err := Run(context.Background(), testAPI(), rules, Config{
		Disable:  []string{"alias:esc-inv-008"},
		Severity: map[string]string{"ESC-INPUT-001": "low"},
	})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Rule, Op, Sev, Pointer string
		Line                   int
		Suppressed             string
	}
	var got []row
	for _, f := range run.Findings {
		r := row{f.RuleID, f.Location.Operation(), f.Severity.String(), f.Location.Pointer, f.Location.Line, ""}
		if f.Suppressed != nil {
			r.Suppressed = f.Suppressed.Kind + ":" + f.Suppressed.Reason
		}
		if f.Kind != escarp.KindAudit || f.Fingerprint != escarp.Fingerprint(&f) || f.Remediation == "" {
			t.Errorf("finding %s: kind %q, fingerprint %q, remediation %q", f.RuleID, f.Kind, f.Fingerprint, f.Remediation)
		}
		got = append(got, r)
	}
	want := []row{
		{"ESC-AUTH-002", "GET /health", "critical", "/paths/~1health/get", 5, "inline:public health check"},
		{"ESC-AUTH-002", "POST /healthz", "critical", "/paths/~1healthz/post", 9, ""},
		{"ESC-INPUT-001", "GET /users", "low", "/paths/~1users/get", 12, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(run.Rules) != 2 || run.Rules[1].Severity != escarp.SeverityLow {
		t.Errorf("run.Rules = %+v, want 2 rules with ESC-INPUT-001 at low", run.Rules)
	}
	if run.Score == nil || run.Score.Themes["authentication"] != 60 {
		t.Errorf("score = %+v, want authentication 60 (one critical finding counted)", run.Score)
	}
	if err := Gate(run, "critical", 0); escarp.KindOf(err) != escarp.Threshold {
		t.Errorf("Gate(critical) = %v, want Threshold", err)
	}
	if err := Gate(run, "", 99); escarp.KindOf(err) != escarp.Threshold {
		t.Errorf("Gate(min 99) = %v, want Threshold", err)
	}
	if err := Gate(run, "", 0); err != nil {
		t.Errorf("Gate(none) = %v, want nil", err)
	}
}

func TestRunConfigErrors(t *testing.T) {
	rules := []*Rule{fakeRule("ESC-AUTH-002", escarp.SeverityHigh, "x")}
	for _, cfg := range []Config{
		{Disable: []string{"ESC-NOPE-001"}},
		{Severity: map[string]string{"ESC-AUTH-002": "urgent"}},
		{Severity: map[string]string{"ESC-NOPE-001": "low"}},
		{FailOn: "worst"},
		{MinScore: 101},
		{Ignore: []Ignore{{Rule: "nope"}}},
		{Ignore: []Ignore{{Rule: "ESC-AUTH-002", Expires: "next year"}}},
	} {
		_, err := Run(context.Background(), testAPI(), rules, cfg)
		if escarp.KindOf(err) != escarp.Invalid {
			t.Errorf("Run with %+v = %v, want an Invalid error", cfg, err)
		}
	}
}

func TestRunFileIgnoreAndPatterns(t *testing.T) {
	rules := []*Rule{
		fakeRule("ESC-INPUT-001", escarp.SeverityMedium, "/"),
		fakeRule("ESC-INPUT-002", escarp.SeverityMedium, "/"),
	}
	run, err := Run(context.Background(), testAPI(), rules, Config{
		Severity: map[string]string{"ESC-INPUT-*": "info"},
		Ignore: []Ignore{
			{Rule: "ESC-INPUT-002", Pointer: "/paths/~1users*", Reason: "legacy"},
			{Rule: "ESC-INPUT-001", Pointer: "/paths/~1users*", Reason: "was legacy", Expires: "2020-01-01"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range run.Findings {
		if f.Severity != escarp.SeverityInfo {
			t.Errorf("%s: severity %s, want info from the pattern", f.RuleID, f.Severity)
		}
		if f.Suppressed != nil {
			n++
			if f.RuleID != "ESC-INPUT-002" || f.Location.Path != "/users" || f.Suppressed.Kind != "file" {
				t.Errorf("unexpected suppression of %s %s: %+v", f.RuleID, f.Location.Path, f.Suppressed)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings suppressed, want 1 (the expired ignore must not count)", n)
	}
	if !strings.Contains(strings.Join(run.Notes, "\n"), "ESC-INPUT-001 at \"/paths/~1users*\" expired on 2020-01-01") {
		t.Errorf("notes = %q, want one about the expired ignore", run.Notes)
	}
}

func TestRunSurvivesPanics(t *testing.T) {
	bad := fakeRule("ESC-AUTH-002", escarp.SeverityHigh, "x")
	bad.Run = func(*Pass) error { panic("boom") }
	failing := fakeRule("ESC-AUTH-003", escarp.SeverityHigh, "x")
	failing.Run = func(*Pass) error { return errors.New("cannot") }
	run, err := Run(context.Background(), testAPI(), []*Rule{bad, failing}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Notes) != 2 || !strings.Contains(run.Notes[0], "panic: boom") || !strings.Contains(run.Notes[1], "cannot") {
		t.Errorf("notes = %q, want the panic and the error", run.Notes)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, testAPI(), []*Rule{fakeRule("ESC-AUTH-002", escarp.SeverityHigh, "x")}, Config{})
	if escarp.KindOf(err) != escarp.Unavailable {
		t.Errorf("Run(cancelled) = %v, want Unavailable", err)
	}
}

func TestScore(t *testing.T) {
	rules := []*Rule{
		fakeRule("ESC-AUTH-002", escarp.SeverityCritical, ""),
		fakeRule("ESC-INPUT-001", escarp.SeverityMedium, ""),
		fakeRule("ESC-SPEC-001", escarp.SeverityHigh, ""),
	}
	f := func(id string, sev escarp.Severity, suppressed bool) escarp.Finding {
		x := escarp.Finding{RuleID: id, Severity: sev}
		if suppressed {
			x.Suppressed = &escarp.Suppression{Kind: "inline"}
		}
		return x
	}
	tests := []struct {
		name     string
		findings []escarp.Finding
		overall  int
		themes   map[string]int
	}{
		{"clean", nil, 100, map[string]int{"authentication": 100, "input validation": 100, "security": 100, "data": 100}},
		{"suppressed only", []escarp.Finding{f("ESC-AUTH-002", escarp.SeverityCritical, true)}, 100, map[string]int{"authentication": 100}},
		// authentication 100-40 = 60 → overall 100 - 14*0.4 = 94.4
		{"one critical", []escarp.Finding{f("ESC-AUTH-002", escarp.SeverityCritical, false)}, 94, map[string]int{"authentication": 60, "security": 81}},
		// four medium: 10*(1+2/2) = 20 → input 80 → 100 - 32*0.2 = 93.6
		{"four medium", []escarp.Finding{f("ESC-INPUT-001", 2, false), f("ESC-INPUT-001", 2, false), f("ESC-INPUT-001", 2, false), f("ESC-INPUT-001", 2, false)},
			94, map[string]int{"input validation": 80, "data": 91}},
		{"invalid document capped", []escarp.Finding{f("ESC-SPEC-001", escarp.SeverityHigh, false)}, 50, map[string]int{"spec integrity": 70}},
	}
	for _, tt := range tests {
		s := Score(tt.findings, rules)
		if s.Overall != tt.overall {
			t.Errorf("%s: overall = %d, want %d", tt.name, s.Overall, tt.overall)
		}
		for k, v := range tt.themes {
			if s.Themes[k] != v {
				t.Errorf("%s: theme %q = %d, want %d", tt.name, k, s.Themes[k], v)
			}
		}
	}
	weights := 0
	for _, th := range Themes {
		weights += th.Weight
	}
	if weights != 100 {
		t.Errorf("theme weights add up to %d, want 100", weights)
	}
}

func TestIndexVisitsSharedSchemasOnce(t *testing.T) {
	pet := &escarp.Schema{Name: "Pet", Pointer: "/components/schemas/Pet", Type: []string{"object"}}
	pet.Properties = map[string]*escarp.Schema{"self": pet, "name": {Type: []string{"string"}}}
	pet.PropertyNames = []string{"self", "name"}
	api := &escarp.API{Operations: []*escarp.Operation{
		{Method: "POST", Path: "/pets", Pointer: "/paths/~1pets/post",
			RequestBody: &escarp.RequestBody{Content: []*escarp.MediaType{{MediaType: "application/json", Schema: pet}}},
			Responses:   []*escarp.Response{{Status: "200", Content: []*escarp.MediaType{{MediaType: "application/json", Schema: pet}}}}},
		{Method: "GET", Path: "/pets", Pointer: "/paths/~1pets/get",
			Responses: []*escarp.Response{{Status: "200", Content: []*escarp.MediaType{{MediaType: "application/json",
				Schema: &escarp.Schema{Type: []string{"array"}, Items: pet}}}}}},
	}}
	x := NewIndex(api)
	if len(x.Schemas) != 3 {
		t.Fatalf("index has %d schemas, want 3 (Pet, name, the array)", len(x.Schemas))
	}
	u := x.Use(pet)
	if !u.In(InRequestBody) || !u.In(InResponse) || u.In(InParameter) || u.Pointer != "/components/schemas/Pet" {
		t.Errorf("Pet use = %+v", u)
	}
	if got := x.Use(pet.Properties["name"]).Pointer; got != "/components/schemas/Pet/properties/name" {
		t.Errorf("name pointer = %q", got)
	}
	if x.Bounded(pet) {
		t.Errorf("Bounded(Pet) = true, want false")
	}
}

func TestProgressBarOnlyWhenAsked(t *testing.T) {
	rules := []*Rule{fakeRule("ESC-AUTH-002", escarp.SeverityHigh, "x"), fakeRule("ESC-AUTH-003", escarp.SeverityLow, "y")}
	var bar bytes.Buffer
	if _, err := Run(context.Background(), testAPI(), rules, Config{Bar: &bar}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "audit") || !strings.Contains(bar.String(), "/2)") {
		t.Errorf("no progress bar over the rules: %q", bar.String())
	}
}
