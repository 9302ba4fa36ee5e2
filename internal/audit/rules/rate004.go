package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// pageSizeNames are query parameter names (squashed) that set a page size.
var pageSizeNames = map[string]bool{
	"limit": true, "pagesize": true, "perpage": true, "size": true, "count": true, "top": true,
	"maxresults": true, "first": true, "last": true, "take": true, "pagelimit": true, "maxitems": true,
	"batchsize": true, "num": true, "rows": true, "resultsperpage": true, "maxrecords": true,
}

// PaginationMaximum reports page-size parameters without a maximum.
var PaginationMaximum = &audit.Rule{
	ID:       "ESC-RATE-004",
	Title:    "Page-size parameter without maximum",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeRateLimiting,
	Doc: `A query parameter that sets a page size (limit, page_size, per_page,
top, count...) has no maximum. One request with limit=10000000 makes the
server load and serialise a whole table.

How to fix: give the page size a maximum and enforce it.

Before:

    - name: limit
      in: query
      schema: {type: integer}

After:

    - name: limit
      in: query
      schema: {type: integer, format: int32, minimum: 1, maximum: 100, default: 20}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, prm := range op.Parameters {
				if prm == nil || prm.In != "query" || !pageSizeNames[squash(prm.Name)] {
					continue
				}
				s := prm.Schema
				if s == nil || (!isNumeric(s) && len(s.Type) > 0) {
					continue
				}
				if s.Maximum == nil && s.ExclusiveMaximum == nil && !enumerated(s) {
					p.Reportf(audit.ParamAt(op, prm), "page-size parameter %q of %s has no maximum", prm.Name, op.Key())
				}
			}
		}
		return nil
	},
}
