package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// maxItemsCap bounds the documented maxItems the check tests: a larger
// limit would need a huge body to exceed.
const maxItemsCap = 1000

// MaxItems is ESC-DAST-RATE-005: a documented array limit (maxItems) that
// the server does not enforce.
type MaxItems struct{}

var _ check.Check = (*MaxItems)(nil)

// Info returns the check's metadata.
func (c *MaxItems) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-RATE-005",
		Title:    "Documented array limit not enforced",
		Severity: escarp.SeverityMedium,
		OWASP:    "API4:2023",
		CWE:      []string{"CWE-770"},
		Description: "On POST, PUT and PATCH operations whose JSON body has a top-level array with a documented maxItems " +
			"(at most 1000), escarp sends the engine's valid request with that array holding twice the maximum plus one " +
			"copies of its valid first item. It reports when the answer is a real success (2xx, not a failure-shaped " +
			"body), confirmed by a second such request, with the count the server accepted. A server that rejects " +
			"the request (400, 413, 422 or a failure body) is silent.",
		Remediation: "Validate the documented bounds before doing the work:\n\n" +
			"```go\nif len(in.ItemIDs) > 10 {\n\thttp.Error(w, \"item_ids: at most 10 items\", http.StatusUnprocessableEntity)\n\treturn\n}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
			"https://cwe.mitre.org/data/definitions/770.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// Run probes each bounded array of the operation's body.
func (c *MaxItems) Run(ctx context.Context, p *check.Pass) error {
	switch p.Op.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	props, _ := checkkit.Properties(checkkit.RequestSchema(p.Op))
	var names []string
	for n, s := range props {
		if s != nil && s.HasType("array") && s.MaxItems != nil && *s.MaxItems > 0 && *s.MaxItems <= maxItemsCap && !s.ReadOnly {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	body := checkkit.Object(req.Body)
	if body == nil {
		return nil
	}
	for _, name := range names {
		arr, _ := body[name].([]any)
		if len(arr) == 0 {
			continue
		}
		limit := *props[name].MaxItems
		n := int(2*limit + 1)
		big := make([]any, n)
		for i := range big {
			big[i] = arr[0]
		}
		send := func() (*check.Response, error) {
			b, ok := checkkit.WithFields(req.Body, map[string]any{name: big})
			if !ok {
				return nil, nil
			}
			r := req.Clone()
			r.Body = b
			r.Header = checkkit.JSONContent(r.Header)
			return checkkit.Send(ctx, p, r)
		}
		first, err := send()
		if err != nil || first == nil || !first.OK() {
			if checkkit.Fatal(ctx, err) {
				return err
			}
			continue
		}
		second, err := send()
		if err != nil || second == nil || !second.OK() {
			if checkkit.Fatal(ctx, err) {
				return err
			}
			continue
		}
		accepted := ""
		if obj := checkkit.Object(first.Body); obj != nil {
			if v, ok := checkkit.Lookup(obj, name); ok {
				if a, ok := v.([]any); ok {
					accepted = fmt.Sprintf("; the answer holds %d items in %s", len(a), name)
				}
			}
		}
		p.Report(checkkit.Finding(c.Info(), p.Op, first, "body:"+name,
			fmt.Sprintf("%s accepted %d items in %s, where the description allows at most %d (HTTP %d, twice)%s",
				p.Op.Key(), n, name, limit, first.Status, accepted),
			fmt.Sprintf("documented maxItems %d; sent %d", limit, n)))
		return nil
	}
	return nil
}
