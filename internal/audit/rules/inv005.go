package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// BreakingChange reports breaking changes against the previous version of
// the API, when the audit is given one.
var BreakingChange = &audit.Rule{
	ID:       "ESC-INV-005",
	Title:    "Breaking change against the previous version",
	Severity: escarp.SeverityMedium,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeInventory,
	Doc: "Compared with the previous version of the spec (audit.previous in\n" +
		"escarp.yaml, or `--previous`), an operation was removed, a parameter\n" +
		`became required or was added as required, a parameter changed type, or
the request body became required. Breaking changes shipped without a new
major version break clients, which then get pinned to old deployments
that are never retired.

How to fix: keep the old behaviour, or release the change as a new major
version and deprecate the old one with a sunset date.

Before (previous):

    parameters:
      - {name: q, in: query, schema: {type: string}}

After (current, breaking):

    parameters:
      - {name: q, in: query, required: true, schema: {type: integer}}`,
	Run: func(p *audit.Pass) error {
		prev := p.Previous
		if prev == nil {
			return nil
		}
		cur := make(map[string]*escarp.Operation, len(p.API.Operations))
		for _, op := range p.API.Operations {
			cur[op.Key()] = op
		}
		for _, old := range prev.Operations {
			op := cur[old.Key()]
			if op == nil {
				l := p.Root("/paths/" + audit.EscapeToken(old.Path) + "/" + strings.ToLower(old.Method))
				l.Method, l.Path = old.Method, old.Path
				p.Reportf(l, "operation %s was removed", old.Key())
				continue
			}
			for _, prm := range op.Parameters {
				if prm == nil {
					continue
				}
				was := old.Param(prm.In, prm.Name)
				switch {
				case was == nil && prm.Required:
					p.Reportf(audit.ParamAt(op, prm), "%s added required %s parameter %q", op.Key(), prm.In, prm.Name)
				case was != nil && prm.Required && !was.Required:
					p.Reportf(audit.ParamAt(op, prm), "%s parameter %q became required", op.Key(), prm.Name)
				case was != nil && was.Schema != nil && prm.Schema != nil && len(was.Schema.Type) > 0 && len(prm.Schema.Type) > 0 &&
					strings.Join(was.Schema.Type, ",") != strings.Join(prm.Schema.Type, ","):
					p.Reportf(audit.ParamAt(op, prm), "%s parameter %q changed type from %s to %s", op.Key(), prm.Name,
						strings.Join(was.Schema.Type, "|"), strings.Join(prm.Schema.Type, "|"))
				}
			}
			if op.RequestBody != nil && op.RequestBody.Required && (old.RequestBody == nil || !old.RequestBody.Required) {
				p.Reportf(audit.BodyAt(op), "%s request body became required", op.Key())
			}
		}
		return nil
	},
}
