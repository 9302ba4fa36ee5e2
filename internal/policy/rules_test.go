package policy

import (
	"context"
	"slices"
	"testing"

	"github.com/escarp/escarp"
)

// compliant returns an API that passes every built-in pack, with TLS
// facts of a well-configured origin: the twin each case breaks once.
func compliant() *Input {
	pos := func(line int) escarp.Position { return escarp.Position{File: "api.yaml", Line: line} }
	str := &escarp.Schema{Type: []string{"string"}}
	user := &escarp.Schema{Name: "User", Type: []string{"object"}, Pos: pos(90),
		Properties:    map[string]*escarp.Schema{"name": str, "password": {Type: []string{"string"}, Format: "password", WriteOnly: true, Pos: pos(92)}},
		PropertyNames: []string{"name", "password"}}
	api := &escarp.API{
		Title: "Shop", Version: "1.2.0", Format: escarp.FormatOpenAPI, Location: "api.yaml", Pos: pos(1),
		Contact: &escarp.Contact{Name: "Shop team", Email: "shop@example.com"},
		Servers: []*escarp.Server{{URL: "https://api.example.com", Pos: pos(5), Pointer: "/servers/0"}},
		SecuritySchemes: map[string]*escarp.SecurityScheme{
			"oauth": {Name: "oauth", Type: escarp.SchemeOAuth2, Pos: pos(80), Pointer: "/components/securitySchemes/oauth",
				Flows: []*escarp.OAuthFlow{{Type: "authorizationCode", Scopes: map[string]string{"orders:read": "", "admin:write": ""}}}},
			"jwt": {Name: "jwt", Type: escarp.SchemeHTTP, Scheme: "bearer", BearerFormat: "JWT", Pos: pos(85),
				Extensions: map[string]any{"x-escarp-jwt": map[string]any{"algorithms": []any{"RS256"}, "audience": "https://api.example.com"}}},
		},
		Schemas: map[string]*escarp.Schema{"User": user},
		Operations: []*escarp.Operation{
			{Method: "GET", Path: "/v1/orders/{orderId}", Pos: pos(10), Pointer: "/paths/~1v1~1orders~1{orderId}/get",
				Security:   []escarp.SecurityRequirement{{"oauth": {"orders:read"}}},
				Parameters: []*escarp.Parameter{{Name: "orderId", In: "path", Required: true, Pos: pos(12)}},
				Responses:  []*escarp.Response{{Status: "200"}, {Status: "404"}}},
			{Method: "POST", Path: "/v1/admin/users", Pos: pos(20), Extensions: map[string]any{"x-escarp-privileged": true},
				Security:    []escarp.SecurityRequirement{{"oauth": {"admin:write"}}},
				RequestBody: &escarp.RequestBody{Content: []*escarp.MediaType{{MediaType: "application/json", Schema: user}}},
				Responses:   []*escarp.Response{{Status: "201"}}},
			{Method: "POST", Path: "/v1/login", ID: "login", Pos: pos(30), Security: []escarp.SecurityRequirement{{}},
				Responses: []*escarp.Response{{Status: "200"}, {Status: "429"}}},
			{Method: "GET", Path: "/v1/legacy", Pos: pos(40), Deprecated: true, Extensions: map[string]any{"x-sunset": "2027-03-31"},
				Security:  []escarp.SecurityRequirement{{"jwt": nil}},
				Responses: []*escarp.Response{{Status: "200"}}},
		},
	}
	return &Input{
		API: api,
		TLS: []*TLSFacts{{Origin: "https://api.example.com", Versions: []string{"TLS 1.2", "TLS 1.3"},
			CipherSuites: []CipherSuite{{Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Version: "TLS 1.2"}, {Name: "TLS_AES_128_GCM_SHA256", Version: "TLS 1.3"}},
			Certificates: []Certificate{{Subject: "CN=api.example.com", DaysLeft: 80, KeyType: "RSA", KeyBits: 2048}},
			HSTS:         HSTS{Checked: true, Present: true, MaxAge: 31536000},
			Redirect:     &HTTPRedirect{Checked: true, Origin: "http://api.example.com", Status: 301, ToHTTPS: true}}},
		Services:  []*escarp.Service{{Name: "shop", Owner: "shop team"}},
		Endpoints: []*escarp.Endpoint{},
		Findings:  []escarp.Finding{{RuleID: "ESC-DAST-RATE-001", Kind: escarp.KindDAST, Suppressed: &escarp.Suppression{Kind: "file", Reason: "gateway limits it"}}},
	}
}

func op(in *Input, path string) *escarp.Operation {
	for _, o := range in.API.Operations {
		if o.Path == path {
			return o
		}
	}
	panic(path)
}

// TestEachRuleFiresAndStaysSilent: every built-in rule reports on a
// violating input and stays silent on its compliant twin.
func TestEachRuleFiresAndStaysSilent(t *testing.T) {
	ctx := context.Background()
	set, err := Load(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := set.Eval(ctx, compliant())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range base {
		t.Errorf("compliant input: %s: %s", f.RuleID, f.Message)
	}
	cases := []struct {
		id     string
		break_ func(in *Input)
	}{
		{"ESC-POL-AUTHN-001", func(in *Input) {
			in.API.SecuritySchemes["oauth"].Flows = append(in.API.SecuritySchemes["oauth"].Flows, &escarp.OAuthFlow{Type: "implicit"})
		}},
		{"ESC-POL-AUTHN-002", func(in *Input) {
			in.API.SecuritySchemes["oauth"].Flows[0].Type = "password"
		}},
		{"ESC-POL-AUTHN-003", func(in *Input) {
			in.API.SecuritySchemes["basic"] = &escarp.SecurityScheme{Name: "basic", Type: escarp.SchemeHTTP, Scheme: "basic"}
		}},
		{"ESC-POL-AUTHN-004", func(in *Input) {
			in.API.SecuritySchemes["jwt"].Extensions["x-escarp-jwt"] = map[string]any{"algorithms": []any{"RS256", "none"}, "audience": "x"}
		}},
		{"ESC-POL-AUTHN-005", func(in *Input) {
			in.API.SecuritySchemes["jwt"].Extensions["x-escarp-jwt"] = map[string]any{"algorithms": []any{"RS256"}}
		}},
		{"ESC-POL-AUTHZ-001", func(in *Input) {
			op(in, "/v1/orders/{orderId}").Security = []escarp.SecurityRequirement{{"oauth": nil}}
		}},
		{"ESC-POL-AUTHZ-002", func(in *Input) {
			op(in, "/v1/admin/users").Security = []escarp.SecurityRequirement{{"oauth": {"orders:read"}}}
		}},
		{"ESC-POL-AUTHZ-003", func(in *Input) {
			op(in, "/v1/orders/{orderId}").Responses = []*escarp.Response{{Status: "200"}}
		}},
		{"ESC-POL-ENC-001", func(in *Input) { in.API.Servers[0].URL = "http://api.example.com" }},
		{"ESC-POL-ENC-002", func(in *Input) { in.TLS[0].Versions = append([]string{"TLS 1.0"}, in.TLS[0].Versions...) }},
		{"ESC-POL-ENC-003", func(in *Input) {
			in.TLS[0].CipherSuites = append(in.TLS[0].CipherSuites, CipherSuite{Name: "TLS_RSA_WITH_AES_128_GCM_SHA256", Version: "TLS 1.2"})
		}},
		{"ESC-POL-ENC-004", func(in *Input) { in.TLS[0].Certificates[0].DaysLeft = 10 }},
		{"ESC-POL-ENC-005", func(in *Input) { in.TLS[0].HSTS.MaxAge = 300 }},
		{"ESC-POL-ENC-006", func(in *Input) {
			in.TLS[0].Redirect = &HTTPRedirect{Checked: true, Origin: "http://api.example.com", Status: 200}
		}},
		{"ESC-POL-ENC-007", func(in *Input) { in.TLS[0].Certificates[0].KeyBits = 1024 }},
		{"ESC-POL-DATA-001", func(in *Input) {
			op(in, "/v1/login").Parameters = []*escarp.Parameter{{Name: "api_key", In: "query", Pos: escarp.Position{File: "api.yaml", Line: 33}}}
		}},
		{"ESC-POL-DATA-002", func(in *Input) {
			p := in.API.Schemas["User"].Properties["password"]
			p.Format, p.WriteOnly = "", false
		}},
		{"ESC-POL-ACCESS-001", func(in *Input) { op(in, "/v1/login").Responses = []*escarp.Response{{Status: "200"}} }},
		{"ESC-POL-ACCESS-002", func(in *Input) {
			in.Findings = []escarp.Finding{{RuleID: "ESC-DAST-RATE-001", Kind: escarp.KindDAST, Message: "50 logins in 2 s all answered 401",
				Location: escarp.Location{File: "api.yaml", Line: 30, Method: "POST", Path: "/v1/login"}}}
		}},
		{"ESC-POL-LIFE-001", func(in *Input) { op(in, "/v1/legacy").Extensions = nil }},
		{"ESC-POL-LIFE-002", func(in *Input) { in.API.Version = "latest" }},
		{"ESC-POL-OWN-001", func(in *Input) { in.API.Contact = nil }},
		{"ESC-POL-OWN-002", func(in *Input) { in.Services[0].Owner = "" }},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.id] = true
		t.Run(c.id, func(t *testing.T) {
			in := compliant()
			c.break_(in)
			fs, err := set.Eval(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleIDs(fs); !slices.Equal(got, []string{c.id}) {
				t.Fatalf("reported %v, want exactly [%s]", got, c.id)
			}
			f := fs[0]
			if f.Kind != escarp.KindPolicy || f.Message == "" || f.OWASP == "" || len(f.CWE) == 0 || f.Fingerprint == "" {
				t.Errorf("incomplete finding %+v", f)
			}
			if f.Location.File == "" && f.Location.URL == "" && f.Location.Service == "" {
				t.Errorf("finding has no place: %+v", f.Location)
			}
		})
	}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("built-in rule %s has no fire/silent case", r.ID)
		}
	}
}

// TestBuiltinMetadata: every built-in rule is explainable and governed.
func TestBuiltinMetadata(t *testing.T) {
	b := builtin()
	if b.err != nil {
		t.Fatal(b.err)
	}
	if len(b.rules) < 20 {
		t.Fatalf("only %d built-in rules", len(b.rules))
	}
	packs := map[string]bool{}
	for _, r := range b.rules {
		packs[r.Pack] = true
		if r.Title == "" || r.Description == "" || r.Remediation == "" || r.OWASP == "" || len(r.CWE) == 0 {
			t.Errorf("%s: incomplete metadata %+v", r.ID, r)
		}
		if r.Owner == "" || r.Rationale == "" || r.Review == "" {
			t.Errorf("%s: no owner, rationale or review date", r.ID)
		}
	}
	for _, p := range []string{"authentication", "authorization", "encryption", "data-protection", "access-control", "lifecycle", "ownership"} {
		if !packs[p] {
			t.Errorf("no built-in pack %s", p)
		}
	}
}
