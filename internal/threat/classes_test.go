package threat

import (
	"context"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/spec"
)

// TestClassesFireAndStaySilent: every class that derives from the attack
// surface fires on a vulnerable operation and stays silent on its safe
// twin, described in OpenAPI.
func TestClassesFireAndStaySilent(t *testing.T) {
	const head = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nsecurity: [{bearer: []}]\ncomponents: {securitySchemes: {bearer: {type: http, scheme: bearer}}}\npaths:\n"
	body := func(props string) string {
		return "      requestBody: {content: {application/json: {schema: {type: object, properties: {" + props + "}}}}}\n"
	}
	ok := "      responses: {'200': {description: ok}}\n"
	cases := []struct{ id, vulnerable, safe string }{
		{"ESC-THREAT-S-001", "  /a:\n    delete:\n      security: []\n" + ok, "  /a:\n    delete:\n" + ok},
		{"ESC-THREAT-S-002", "  /login:\n    post:\n      security: []\n" + body("password: {type: string}") + ok, "  /login:\n    post:\n" + body("note: {type: string, maxLength: 9}") + ok},
		{"ESC-THREAT-T-001", "  /t:\n    post:\n" + body("host: {type: string, format: hostname}") + ok, "  /t:\n    post:\n" + body("count: {type: integer}") + ok},
		{"ESC-THREAT-T-002", "  /t:\n    post:\n" + body("template: {type: string}") + ok, "  /t:\n    post:\n" + body("enabled: {type: boolean}") + ok},
		{"ESC-THREAT-T-003", "  /s:\n    get:\n      parameters: [{name: q, in: query, schema: {type: string}}]\n" + ok, "  /s:\n    get:\n      parameters: [{name: q, in: query, schema: {type: string, enum: [a, b]}}]\n" + ok},
		{"ESC-THREAT-T-004", "  /out:\n    get:\n      parameters: [{name: next, in: query, schema: {type: string, format: uri}}]\n      responses: {'302': {description: go}}\n", "  /out:\n    get:\n      responses: {'302': {description: go}}\n"},
		{"ESC-THREAT-T-006", "  /u:\n    post:\n      requestBody: {content: {multipart/form-data: {schema: {type: object}}}}\n" + ok, "  /u:\n    post:\n" + body("n: {type: integer}") + ok},
		{"ESC-THREAT-R-001", "  /admin/x:\n    put:\n" + body("n: {type: integer}") + ok, "  /x:\n    put:\n" + body("n: {type: integer}") + ok},
		{"ESC-THREAT-I-001", "  /f:\n    post:\n" + body("url: {type: string, format: uri}") + ok, "  /f:\n    post:\n" + body("n: {type: integer}") + ok},
		{"ESC-THREAT-I-002", "  /d:\n    get:\n      parameters: [{name: file, in: query, schema: {type: string}}]\n" + ok, "  /d:\n    get:\n      parameters: [{name: n, in: query, schema: {type: integer}}]\n" + ok},
		{"ESC-THREAT-I-003", "  /x:\n    post:\n      requestBody: {content: {application/xml: {schema: {type: object}}}}\n" + ok, "  /x:\n    post:\n" + body("n: {type: integer}") + ok},
		{"ESC-THREAT-I-004", "  /me:\n    get:\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object, properties: {email: {type: string}}}}}}}\n", "  /me:\n    get:\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object, properties: {nick: {type: string}}}}}}}\n"},
		{"ESC-THREAT-I-005", "  /tok:\n    get:\n      parameters: [{name: password, in: query, schema: {type: string}}]\n" + ok, "  /tok:\n    get:\n" + ok},
		{"ESC-THREAT-I-006", "  /old:\n    get:\n      deprecated: true\n" + ok, "  /old:\n    get:\n" + ok},
		{"ESC-THREAT-D-001", "  /l:\n    get:\n      parameters: [{name: limit, in: query, schema: {type: integer}}]\n" + ok, "  /l:\n    get:\n      parameters: [{name: limit, in: query, schema: {type: integer, maximum: 100}}]\n" + ok},
		{"ESC-THREAT-E-001", "  /boats/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n" + ok, "  /boats:\n    get:\n" + ok},
		{"ESC-THREAT-E-002", "  /admin/users:\n    get:\n" + ok, "  /users/me:\n    get:\n" + ok},
		{"ESC-THREAT-E-003", "  /me:\n    patch:\n" + body("role: {type: string}") + ok, "  /me:\n    patch:\n" + body("nick: {type: string, maxLength: 9}") + ok},
		{"ESC-THREAT-E-004", "  /pay:\n    post:\n" + body("amount: {type: integer}") + ok, "  /note:\n    post:\n" + body("text: {type: string, maxLength: 9}") + ok},
	}
	has := func(src, id string) bool {
		api, _, err := spec.LoadBytes(context.Background(), "t.yaml", []byte(head+src), spec.Options{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", id, err, head+src)
		}
		for _, th := range Derive(Input{APIs: []*escarp.API{api}}).Model.Threats {
			if th.RuleID == id {
				return true
			}
		}
		return false
	}
	for _, c := range cases {
		if !has(c.vulnerable, c.id) {
			t.Errorf("%s does not fire on its vulnerable case", c.id)
		}
		if has(c.safe, c.id) {
			t.Errorf("%s fires on its safe twin", c.id)
		}
	}
}

// TestElementThreats: token schemes, plain http and webhooks give threats
// on their elements; confirmed misconfiguration findings give I-008.
func TestElementThreats(t *testing.T) {
	src := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'http://api.example.com'}]\nsecurity: [{bearer: []}]\ncomponents: {securitySchemes: {bearer: {type: http, scheme: bearer}}}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\nwebhooks:\n  ping:\n    post:\n      responses: {'200': {description: ok}}\n"
	api, _, err := spec.LoadBytes(context.Background(), "t.yaml", []byte(src), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := &escarp.Run{Engine: escarp.EngineScan, Findings: []escarp.Finding{{RuleID: "ESC-DAST-CONF-001", Kind: escarp.KindDAST, OWASP: "API8:2023",
		Severity: escarp.SeverityMedium, Location: escarp.Location{Method: "GET", Path: "/a"}}}}
	got := map[string]bool{}
	for _, th := range Derive(Input{APIs: []*escarp.API{api}, Runs: []*escarp.Run{run}}).Model.Threats {
		got[th.RuleID] = true
	}
	for _, id := range []string{"ESC-THREAT-S-003", "ESC-THREAT-S-004", "ESC-THREAT-I-007", "ESC-THREAT-I-008"} {
		if !got[id] {
			t.Errorf("%s missing; got %v", id, got)
		}
	}
	// https, no webhook, no token scheme, no finding: none of them.
	safe := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://api.example.com'}]\nsecurity: [{key: []}]\ncomponents: {securitySchemes: {key: {type: apiKey, in: header, name: X-Key}}}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n"
	api, _, err = spec.LoadBytes(context.Background(), "s.yaml", []byte(safe), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range Derive(Input{APIs: []*escarp.API{api}}).Model.Threats {
		switch th.RuleID {
		case "ESC-THREAT-S-003", "ESC-THREAT-S-004", "ESC-THREAT-I-007", "ESC-THREAT-I-008":
			t.Errorf("%s on the safe twin", th.RuleID)
		}
	}
}

// TestRiskScale pins the scale: scores, bands and severities.
func TestRiskScale(t *testing.T) {
	if Score(4, 4) != 100 || Score(3, 4) != 75 || Score(1, 1) != 6 || Band(12) != "high" || Band(13) != "critical" || Band(8) != "elevated" ||
		Severity("elevated") != escarp.SeverityMedium || BandOfScore(75) != "high" || BandOfScore(100) != "critical" {
		t.Error("risk scale changed")
	}
}
