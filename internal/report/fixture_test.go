package report

import (
	"time"

	"github.com/escarp/escarp"
)

// t0 is the fixed start of every fixture report.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// fixture returns a realistic report with an audit run (with a score), a
// scan run with evidence, reproducers and a suppressed finding, and a code
// run with taint flows, a dependency and a secret. Findings are given out
// of order on purpose.
func fixture() *escarp.Report {
	audit := &escarp.Run{
		Engine:     escarp.EngineAudit,
		Spec:       "api/openapi.yaml",
		StartedAt:  t0,
		FinishedAt: t0.Add(850 * time.Millisecond),
		Rules: []escarp.RuleInfo{
			{ID: "ESC-AUTH-002", Title: "Operation has no security requirement", Severity: escarp.SeverityHigh,
				Description: "An operation without a `security` requirement can be called by **anyone**.",
				Remediation: "Declare a security requirement on the operation, or globally:\n\n```yaml\nsecurity:\n  - bearerAuth: []\n```",
				OWASP:       "API2:2023", CWE: []string{"CWE-306"}, HelpURI: "https://escarp.dev/rules/ESC-AUTH-002"},
			{ID: "ESC-DATA-004", Title: "String schema without maxLength", Severity: escarp.SeverityLow,
				Description: "Unbounded strings let clients send huge payloads.",
				Remediation: "Set `maxLength` on every string property.", OWASP: "API4:2023", CWE: []string{"CWE-770"}},
			{ID: "ESC-TLS-001", Title: "Server URL uses plain HTTP", Severity: escarp.SeverityMedium,
				Remediation: "Serve the API over HTTPS only.", OWASP: "API8:2023", CWE: []string{"CWE-319"}},
		},
		Findings: []escarp.Finding{
			{RuleID: "ESC-DATA-004", Title: "String schema without maxLength", Kind: escarp.KindAudit,
				Severity: escarp.SeverityLow, Confidence: escarp.ConfidenceCertain, OWASP: "API4:2023", CWE: []string{"CWE-770"},
				Message:  "Property name of schema User has no maxLength.",
				Location: escarp.Location{File: "api/openapi.yaml", Line: 88, Column: 9, Pointer: "/components/schemas/User/properties/name"}},
			{RuleID: "ESC-AUTH-002", Title: "Operation has no security requirement", Kind: escarp.KindAudit,
				Severity: escarp.SeverityHigh, Confidence: escarp.ConfidenceCertain, OWASP: "API2:2023", CWE: []string{"CWE-306"},
				Message:  "DELETE /users/{id} has no security requirement.",
				Location: escarp.Location{File: "api/openapi.yaml", Line: 41, Column: 5, Pointer: "/paths/~1users~1{id}/delete", Method: "DELETE", Path: "/users/{id}"}},
			{RuleID: "ESC-AUTH-002", Title: "Operation has no security requirement", Kind: escarp.KindAudit,
				Severity: escarp.SeverityHigh, Confidence: escarp.ConfidenceCertain, OWASP: "API2:2023", CWE: []string{"CWE-306"},
				Message:  "GET /users has no security requirement.",
				Location: escarp.Location{File: "api/openapi.yaml", Line: 12, Column: 5, Pointer: "/paths/~1users/get", Method: "GET", Path: "/users"}},
		},
		Score: &escarp.Score{Overall: 62, Themes: map[string]int{"authentication": 40, "data": 75, "transport": 100},
			Formula: "100 - sum(weight(severity))"},
		Stats: map[string]int64{"operations": 7, "rules": 3},
	}
	scan := &escarp.Run{
		Engine:     escarp.EngineScan,
		Target:     "http://127.0.0.1:8080",
		Spec:       "api/openapi.yaml",
		StartedAt:  t0.Add(time.Second),
		FinishedAt: t0.Add(14 * time.Second),
		Rules: []escarp.RuleInfo{
			{ID: "ESC-DAST-BOLA-001", Title: "Broken object level authorization", Severity: escarp.SeverityCritical,
				Description: "One user can read another user's objects by changing an id.",
				Remediation: "Check on every request that the caller owns the object the id names.",
				OWASP:       "API1:2023", CWE: []string{"CWE-639"}},
			{ID: "ESC-DAST-SQLI-001", Title: "SQL injection", Severity: escarp.SeverityCritical,
				Remediation: "Use parameterized queries.", OWASP: "API8:2023", CWE: []string{"CWE-89"}},
			{ID: "ESC-DAST-HDR-001", Title: "Missing security headers", Severity: escarp.SeverityLow,
				Remediation: "Send `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.", OWASP: "API8:2023", CWE: []string{"CWE-693"}},
			{ID: "ESC-DAST-INV-001", Title: "Undocumented endpoint", Severity: escarp.SeverityMedium,
				Remediation: "Document the endpoint or remove it.", OWASP: "API9:2023", CWE: []string{"CWE-1059"}},
		},
		Findings: []escarp.Finding{
			{RuleID: "ESC-DAST-HDR-001", Title: "Missing security headers", Kind: escarp.KindDAST,
				Severity: escarp.SeverityLow, Confidence: escarp.ConfidenceCertain, OWASP: "API8:2023", CWE: []string{"CWE-693"},
				Message:    "GET /users responds without X-Content-Type-Options.",
				Location:   escarp.Location{File: "api/openapi.yaml", Line: 12, Method: "GET", Path: "/users", URL: "http://127.0.0.1:8080/users"},
				Suppressed: &escarp.Suppression{Kind: "baseline", Reason: "accepted risk: internal API", Owner: "platform-team", Expires: "2026-06-30"}},
			{RuleID: "ESC-DAST-BOLA-001", Title: "Broken object level authorization", Kind: escarp.KindDAST,
				Severity: escarp.SeverityCritical, Confidence: escarp.ConfidenceHigh, OWASP: "API1:2023", CWE: []string{"CWE-639"},
				Message: "bob read alice's user 17 through GET /users/{id}.",
				Location: escarp.Location{File: "api/openapi.yaml", Line: 30, Column: 5, Method: "GET", Path: "/users/{id}", Param: "path:id",
					URL: "http://127.0.0.1:8080/users/17"},
				Evidence: &escarp.Evidence{
					Request: &escarp.HTTPMessage{Method: "GET", URL: "http://127.0.0.1:8080/users/17",
						Header: map[string][]string{"Authorization": {"Bearer REDACTED"}, "Accept": {"application/json"}}},
					Response: &escarp.HTTPMessage{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}},
						Body: `{"id":17,"owner":"alice","email":"alice@example.com","apiKey":"REDACTED"}`},
					Note: "bob's token got alice's object; alice's own request got the same body.",
				},
				Reproducer: `curl -i -X GET 'http://127.0.0.1:8080/users/17' -H 'Accept: application/json' -H 'Authorization: Bearer $BOB_TOKEN'`,
				Properties: map[string]string{"identity": "bob", "owner": "alice"}},
			{RuleID: "ESC-DAST-SQLI-001", Title: "SQL injection", Kind: escarp.KindDAST,
				Severity: escarp.SeverityCritical, Confidence: escarp.ConfidenceCertain, OWASP: "API8:2023", CWE: []string{"CWE-89"},
				Message: "The search query parameter reaches SQL: a quote makes the server answer 500 with a SQLite syntax error.",
				Location: escarp.Location{File: "api/openapi.yaml", Line: 20, Column: 5, Method: "GET", Path: "/users", Param: "query:q",
					URL: "http://127.0.0.1:8080/users?q=%27"},
				Evidence: &escarp.Evidence{
					Request:  &escarp.HTTPMessage{Method: "GET", URL: "http://127.0.0.1:8080/users?q=%27", Header: map[string][]string{"Cookie": {"session=REDACTED"}}},
					Response: &escarp.HTTPMessage{Status: 500, Body: `near "'": syntax error`, Header: map[string][]string{"Content-Type": {"text/plain"}}},
				},
				Reproducer: `curl -i -X GET 'http://127.0.0.1:8080/users?q=%27' -H 'Cookie: session=$ALICE_SESSION'`},
			{RuleID: "ESC-DAST-INV-001", Title: "Undocumented endpoint", Kind: escarp.KindDAST,
				Severity: escarp.SeverityMedium, Confidence: escarp.ConfidenceMedium, OWASP: "API9:2023", CWE: []string{"CWE-1059"},
				Message:  "GET /debug/vars answers 200 but is not in the API description.",
				Location: escarp.Location{Method: "GET", Path: "/debug/vars", URL: "http://127.0.0.1:8080/debug/vars"}},
		},
		Stats: map[string]int64{"requests": 412, "operations": 7, "durationMs": 13000},
		Notes: []string{"ESC-DAST-BFLA-001 skipped: no privileged identity configured"},
	}
	code := &escarp.Run{
		Engine:     escarp.EngineCode,
		Target:     ".",
		StartedAt:  t0.Add(15 * time.Second),
		FinishedAt: t0.Add(19 * time.Second),
		Rules: []escarp.RuleInfo{
			{ID: "ESC-SAST-SQLI-001", Title: "SQL built from request data", Severity: escarp.SeverityHigh,
				Remediation: "Pass request values as query arguments (`db.Query(q, id)`).", CWE: []string{"CWE-89"}, OWASP: "API8:2023"},
			{ID: "GO-2022-1059", Title: "Denial of service via crafted Accept-Language header in golang.org/x/text", Severity: escarp.SeverityHigh,
				Remediation: "Upgrade golang.org/x/text to v0.3.8 or later.", CWE: []string{"CWE-400"}, HelpURI: "https://pkg.go.dev/vuln/GO-2022-1059"},
			{ID: "gitleaks:aws-access-token", Title: "AWS access key", Severity: escarp.SeverityCritical,
				Remediation: "Revoke the key and load it from the environment.", CWE: []string{"CWE-798"}},
		},
		Findings: []escarp.Finding{
			{RuleID: "ESC-SAST-SQLI-001", Title: "SQL built from request data", Kind: escarp.KindSAST,
				Severity: escarp.SeverityHigh, Confidence: escarp.ConfidenceHigh, CWE: []string{"CWE-89"}, OWASP: "API8:2023",
				Message: "Request parameter id flows into db.Query.",
				Location: escarp.Location{File: "internal/store/users.go", Line: 57, Column: 14, EndLine: 57, EndColumn: 60,
					Snippet: `rows, err := db.Query("SELECT * FROM users WHERE id = " + id)`},
				Flows: [][]escarp.Location{{
					{File: "internal/server/users.go", Line: 23, Column: 8, Message: "id := r.URL.Query().Get(\"id\")"},
					{File: "internal/server/users.go", Line: 31, Column: 22, Message: "store.User(ctx, id)"},
					{File: "internal/store/users.go", Line: 57, Column: 14, Message: "db.Query(\"SELECT … \" + id)"},
				}},
				Hash: "4f9c2a7d1e"},
			{RuleID: "GO-2022-1059", Title: "Denial of service via crafted Accept-Language header in golang.org/x/text", Kind: escarp.KindSCA,
				Severity: escarp.SeverityHigh, Confidence: escarp.ConfidenceHigh, CWE: []string{"CWE-400"},
				Message:    "golang.org/x/text v0.3.7 is affected; fixed in v0.3.8.",
				Location:   escarp.Location{File: "go.mod", Line: 9},
				Package:    &escarp.Package{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.7", FixedIn: "v0.3.8"},
				References: []string{"https://pkg.go.dev/vuln/GO-2022-1059"}},
			{RuleID: "gitleaks:aws-access-token", Title: "AWS access key", Kind: escarp.KindSecret,
				Severity: escarp.SeverityCritical, Confidence: escarp.ConfidenceHigh, CWE: []string{"CWE-798"},
				Message:  "An AWS access key id is committed.",
				Location: escarp.Location{File: "deploy/env.sh", Line: 3, Column: 19, Snippet: "export AWS_ACCESS_KEY_ID=REDACTED"},
				Hash:     "9b71d224bd62f378", Suppressed: &escarp.Suppression{Kind: "inline", Reason: "test fixture key, revoked"}},
		},
	}
	return &escarp.Report{
		SchemaVersion: escarp.ReportSchemaVersion,
		Tool:          escarp.Tool{Name: "escarp", Version: "1.4.0", URI: "https://github.com/escarp/escarp"},
		StartedAt:     t0,
		FinishedAt:    t0.Add(19 * time.Second),
		Runs:          []*escarp.Run{audit, scan, code},
	}
}
