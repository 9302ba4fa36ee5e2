package rules

import (
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// templateVar matches the variables of an OpenAPI path template, which is
// all this rule accepts (":id" is a literal in OpenAPI).
var templateVar = regexp.MustCompile(`\{([^{}]*)\}`)

// PathTemplate reports path templates and path parameters that disagree,
// ambiguous paths, and path items without operations.
var PathTemplate = &audit.Rule{
	ID:       "ESC-SPEC-003",
	Title:    "Path template, parameters or paths inconsistent",
	Severity: escarp.SeverityMedium,
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeSpecIntegrity,
	Aliases:  []string{"path-params", "no-ambiguous-paths", "duplicate-paths"},
	Doc: "A path template names a variable that no `in: path` parameter declares\n" +
		`(or the reverse); two paths are the same up to variable names, case or
a trailing slash, so which one a request matches depends on the router;
or a path item has no operation. Routers, gateways and scanners then
disagree with the server about which operation, and which checks, apply.

How to fix: declare exactly the template's variables as required path
parameters, and merge ambiguous paths.

Before:

    /users/{id}:
      get:
        parameters:
          - {name: userId, in: path, required: true, schema: {type: string}}

After:

    /users/{userId}:
      get:
        parameters:
          - {name: userId, in: path, required: true, schema: {type: string}}`,
	Run: func(p *audit.Pass) error {
		seen := make(map[string]*escarp.Operation)
		for _, op := range p.API.Operations {
			vars := make(map[string]bool)
			for _, m := range templateVar.FindAllStringSubmatch(op.Path, -1) {
				vars[m[1]] = true
				if op.Param("path", m[1]) == nil {
					p.Reportf(audit.OpAt(op), "%s: path variable {%s} has no path parameter", op.Key(), m[1])
				}
			}
			for _, prm := range op.Parameters {
				if prm != nil && prm.In == "path" && !vars[prm.Name] {
					p.Reportf(audit.ParamAt(op, prm), "%s: path parameter %q is not in the path template", op.Key(), prm.Name)
				}
			}
			// Equivalent templates share a key: "/a/{id}/" and "/A/{name}" → "/a/{}".
			key := op.Method + " " + strings.ToLower(escarp.ParsePathTemplate(op.Path).Key())
			if first := seen[key]; first != nil && first.Path != op.Path {
				p.Reportf(audit.OpAt(op), "%s is ambiguous with %s", op.Key(), first.Key())
			} else if first == nil {
				seen[key] = op
			}
		}
		if p.Raw == nil {
			return nil
		}
		for _, k := range p.Raw.Keys("/paths") {
			if !strings.HasPrefix(k.Name, "/") {
				continue
			}
			ptr := "/paths/" + audit.EscapeToken(k.Name)
			has := false
			for _, m := range p.Raw.Keys(ptr) {
				switch strings.ToLower(m.Name) {
				case "get", "put", "post", "delete", "options", "head", "patch", "trace", "query", "$ref", "additionaloperations":
					has = true
				}
			}
			if !has {
				p.Reportf(audit.At(k.Pos, ptr), "path %s has no operations", k.Name)
			}
		}
		return nil
	},
}
