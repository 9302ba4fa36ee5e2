package coderoutes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
)

// Rule ids of the route diff.
const (
	RuleUndocumented  = "ESC-SAST-ROUTE-001"
	RuleUnimplemented = "ESC-SAST-ROUTE-002"
)

// Operation is a documented operation, as the diff reports it.
type Operation struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	ID      string `json:"operationId,omitempty"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Pointer string `json:"pointer,omitempty"`
}

// DiffResult is the difference between the routes of the code and the
// operations of a spec.
type DiffResult struct {
	// BasePaths are the servers' path prefixes that were honoured ("/v1").
	BasePaths []string `json:"basePaths,omitempty"`
	// Undocumented are routes the code serves that no operation documents.
	Undocumented []routes.Route `json:"undocumented"`
	// Unimplemented are documented operations no route serves.
	Unimplemented []Operation `json:"unimplemented"`
	// Matched counts the routes that match a documented operation.
	Matched int `json:"matched"`
}

// Diff matches routes with the operations of api on method and path
// template (parameter names and syntax ignored: "/users/:id" matches
// "/users/{userId}"). A spec path matches with or without the path of a
// server URL in front ("/v1"), since code may or may not mount the API
// under it. A route of method ANY matches every method on its path.
func Diff(rs []routes.Route, api *escarp.API) DiffResult {
	d := DiffResult{Undocumented: []routes.Route{}, Unimplemented: []Operation{}}
	if api == nil {
		d.Undocumented = append(d.Undocumented, rs...)
		return d
	}
	d.BasePaths = basePaths(api)
	type opKey struct{ method, key string }
	keysOf := func(op *escarp.Operation) []string {
		ks := []string{escarp.ParsePathTemplate(op.Path).Key()}
		for _, b := range d.BasePaths {
			ks = append(ks, escarp.ParsePathTemplate(b+"/"+strings.TrimPrefix(op.Path, "/")).Key())
		}
		return ks
	}
	ops := map[opKey]bool{}
	paths := map[string]bool{}
	for _, op := range api.Operations {
		for _, k := range keysOf(op) {
			ops[opKey{strings.ToUpper(op.Method), k}] = true
			paths[k] = true
		}
	}
	served := map[opKey]bool{}
	anyPath := map[string]bool{}
	for _, r := range rs {
		k := escarp.ParsePathTemplate(r.Path).Key()
		m := strings.ToUpper(r.Method)
		if m == "ANY" {
			anyPath[k] = true
			if paths[k] {
				d.Matched++
				continue
			}
		} else {
			served[opKey{m, k}] = true
			if ops[opKey{m, k}] {
				d.Matched++
				continue
			}
		}
		d.Undocumented = append(d.Undocumented, r)
	}
	for _, op := range api.Operations {
		found := false
		for _, k := range keysOf(op) {
			if served[opKey{strings.ToUpper(op.Method), k}] || anyPath[k] {
				found = true
				break
			}
		}
		if !found {
			d.Unimplemented = append(d.Unimplemented, Operation{Method: strings.ToUpper(op.Method), Path: op.Path, ID: op.ID,
				File: op.Pos.File, Line: op.Pos.Line, Pointer: op.Pointer})
		}
	}
	return d
}

// basePaths returns the distinct, non-root paths of the API's server URLs.
func basePaths(api *escarp.API) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range api.Servers {
		if s == nil || s.URL == "" {
			continue
		}
		p := s.URL
		if u, err := url.Parse(s.URL); err == nil {
			p = u.Path
		} else if i := strings.Index(p, "://"); i >= 0 {
			rest := p[i+3:]
			p = ""
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				p = rest[j:]
			}
		}
		p = strings.TrimRight(p, "/")
		if p == "" || !strings.HasPrefix(p, "/") || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}

// rules are the two rules of the route diff.
var rules = []escarp.RuleInfo{
	{
		ID:    RuleUndocumented,
		Title: "Route served by the code but not documented",
		Description: "The code registers a route that no operation of the API description documents: a shadow " +
			"endpoint. Undocumented endpoints escape review, audits, DAST and the inventory, and are often " +
			"left-over debug or internal routes exposed by mistake.",
		Remediation: "Document the route in the API description, or remove it from the code if it should not be " +
			"served. Internal routes belong on a separate listener:\n\n```go\n" +
			"admin := http.NewServeMux()\nadmin.HandleFunc(\"GET /debug/vars\", expvarHandler)\n" +
			"go http.ListenAndServe(\"127.0.0.1:6060\", admin) // not on the public API\n```",
		Severity: escarp.SeverityMedium, OWASP: "API9:2023", CWE: []string{"CWE-1059"},
		Tags: []string{"security", "API9:2023", "CWE-1059", "inventory"},
	},
	{
		ID:    RuleUnimplemented,
		Title: "Documented operation with no route in the code",
		Description: "The API description documents an operation the code does not serve: the description is " +
			"stale, or the route is registered in a way the analysis could not follow. Clients and tests " +
			"built from the description will fail, and a retired operation may still be served elsewhere.",
		Remediation: "Remove the operation from the API description (or mark it `deprecated: true` while " +
			"clients migrate), or implement it:\n\n```yaml\npaths:\n  /v1/reports:\n    get:\n      deprecated: true\n```",
		Severity: escarp.SeverityLow, OWASP: "API9:2023", CWE: []string{"CWE-1059"},
		Tags: []string{"security", "API9:2023", "CWE-1059", "inventory"},
	},
}

// Rules returns the rules [DiffFindings] reports.
func Rules() []escarp.RuleInfo {
	out := make([]escarp.RuleInfo, len(rules))
	for i, r := range rules {
		r.CWE = append([]string(nil), r.CWE...)
		r.Tags = append([]string(nil), r.Tags...)
		out[i] = r
	}
	return out
}

// DiffFindings turns a diff into findings: one per undocumented route at
// its file and line, one per unimplemented operation at its position in
// specFile (the operation's own file when specFile is empty).
func DiffFindings(d DiffResult, specFile string) []escarp.Finding {
	var out []escarp.Finding
	for _, r := range d.Undocumented {
		ri := rules[0]
		p := escarp.ParsePathTemplate(r.Path).String()
		who := r.Handler
		if who == "" {
			who = "a handler"
		}
		f := escarp.Finding{
			RuleID: ri.ID, Title: ri.Title, Kind: escarp.KindSAST, Severity: ri.Severity, Confidence: escarp.ConfidenceHigh,
			OWASP: ri.OWASP, CWE: append([]string(nil), ri.CWE...),
			Message:     fmt.Sprintf("%s %s is served by %s (%s) but not documented%s", r.Method, r.Path, who, r.Framework, inSpec(specFile)),
			Location:    escarp.Location{File: r.File, Line: r.Line, Method: r.Method, Path: p, Service: r.Service},
			Remediation: ri.Remediation,
			Hash:        hash(r.Method + " " + escarp.ParsePathTemplate(r.Path).Key()),
		}
		f.SetFingerprint()
		out = append(out, f)
	}
	for _, op := range d.Unimplemented {
		ri := rules[1]
		file := specFile
		if file == "" {
			file = op.File
		}
		line := op.Line
		if line == 0 {
			line = 1
		}
		f := escarp.Finding{
			RuleID: ri.ID, Title: ri.Title, Kind: escarp.KindSAST, Severity: ri.Severity, Confidence: escarp.ConfidenceMedium,
			OWASP: ri.OWASP, CWE: append([]string(nil), ri.CWE...),
			Message:     fmt.Sprintf("%s %s is documented but no route in the code serves it", op.Method, op.Path),
			Location:    escarp.Location{File: file, Line: line, Method: op.Method, Path: op.Path, Pointer: op.Pointer},
			Remediation: ri.Remediation,
			Hash:        hash(op.Method + " " + escarp.ParsePathTemplate(op.Path).Key()),
		}
		f.SetFingerprint()
		out = append(out, f)
	}
	return out
}

func inSpec(specFile string) string {
	if specFile == "" {
		return ""
	}
	return " in " + specFile
}

// hash is the sha256 hex of the first 16 bytes of s's digest.
func hash(s string) string {
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(s), " ")))
	return hex.EncodeToString(sum[:16])
}
