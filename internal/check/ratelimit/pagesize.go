package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Huge is the page size RATE-002 asks for.
const Huge = 100000

// PageSize is ESC-DAST-RATE-002: unbounded page sizes.
type PageSize struct{}

var _ check.Check = (*PageSize)(nil)

// Info returns the check's metadata.
func (c *PageSize) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-RATE-002",
		Title:    "Unbounded page size",
		Severity: escarp.SeverityMedium,
		OWASP:    "API4:2023",
		CWE:      []string{"CWE-770", "CWE-400"},
		Description: "On GET operations with a page-size parameter (limit, size, per_page, page_size, count, max, top, take, ...), " +
			"asks for a normal page and for 100000 items. It reports when the huge value is accepted with 2xx and the server honours " +
			"it: more items come back than the declared maximum (100 when none is declared) and than the normal page, or the answer " +
			"echoes the huge value as its page size. Confirmed with 99999.",
		Remediation: "Declare and enforce a maximum:\n\n" +
			"```go\nlimit, err := strconv.Atoi(r.URL.Query().Get(\"limit\"))\nif err != nil || limit < 1 || limit > 100 {\n\thttp.Error(w, \"limit must be 1..100\", http.StatusBadRequest)\n\treturn\n}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
			"https://cwe.mitre.org/data/definitions/770.html",
		},
		Scope: check.PerOperation,
	}
}

var pageParams = regexp.MustCompile(`(?i)^(limit|size|per_?page|page_?size|pagesize|page_?limit|count|max|max_?results|max_?items|top|take|first|last|num|rows|results|batch_?size)$`)

// Run probes each page-size parameter.
func (c *PageSize) Run(ctx context.Context, p *check.Pass) error {
	if p.Op.Method != "GET" {
		return nil
	}
	var params []*escarp.Parameter
	for _, prm := range p.Op.Parameters {
		if prm.In == "query" && pageParams.MatchString(prm.Name) {
			params = append(params, prm)
		}
	}
	if len(params) == 0 {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	info := c.Info()
	for _, prm := range params {
		limit := 100.0
		if prm.Schema != nil && prm.Schema.Maximum != nil {
			limit = *prm.Schema.Maximum
		}
		normal := 10
		if prm.Schema != nil && prm.Schema.Maximum != nil && *prm.Schema.Maximum < 10 {
			normal = int(*prm.Schema.Maximum)
		}
		with := func(v int) *check.Request {
			r := req.Clone()
			r.Query.Set(prm.Name, strconv.Itoa(v))
			return r
		}
		rn, err := checkkit.Send(ctx, p, with(normal))
		if err != nil {
			return err
		}
		if rn == nil || !rn.OK() {
			continue
		}
		honoured := func(v int) (*check.Response, string, error) {
			r, err := checkkit.Send(ctx, p, with(v))
			if err != nil || r == nil || !r.OK() {
				return nil, "", err
			}
			if echoes(r.Body, prm.Name, v) {
				return r, fmt.Sprintf("the answer echoes %s=%d", prm.Name, v), nil
			}
			n, nn := items(r.Body), items(rn.Body)
			if n > nn && float64(n) > limit {
				return r, fmt.Sprintf("%d items came back for %s=%d, %d for %s=%d (maximum %g)", n, prm.Name, v, nn, prm.Name, normal, limit), nil
			}
			return nil, "", nil
		}
		r1, why, err := honoured(Huge)
		if err != nil {
			return err
		}
		if r1 == nil {
			continue
		}
		r2, _, err := honoured(Huge - 1)
		if err != nil {
			return err
		}
		if r2 == nil {
			continue
		}
		p.Report(checkkit.Finding(info, p.Op, r1, "query:"+prm.Name,
			fmt.Sprintf("%s accepts %s=%d: page sizes are unbounded", p.Op.Key(), prm.Name, Huge), why))
	}
	return nil
}

// items counts the items of a list answer: a top-level array, or the
// longest array member of a top-level object (one level down too).
func items(body []byte) int {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return 0
	}
	return count(v, 0)
}

func count(v any, depth int) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case map[string]any:
		best := 0
		if depth < 2 {
			for _, m := range x {
				best = max(best, count(m, depth+1))
			}
		}
		return best
	}
	return 0
}

// echoes reports whether a JSON answer holds the page-size value v under
// the parameter's name or a common page-size name.
func echoes(body []byte, name string, v int) bool {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		// A truncated answer: look for "name": v in the text.
		re := regexp.MustCompile(`"` + regexp.QuoteMeta(name) + `"\s*:\s*` + strconv.Itoa(v) + `\b`)
		return re.Match(body)
	}
	var walk func(any, int) bool
	walk = func(x any, depth int) bool {
		m, ok := x.(map[string]any)
		if !ok || depth > 2 {
			return false
		}
		for k, val := range m {
			if f, ok := val.(float64); ok && int(f) == v && (k == name || pageParams.MatchString(k)) {
				return true
			}
			if walk(val, depth+1) {
				return true
			}
		}
		return false
	}
	return walk(doc, 0)
}
