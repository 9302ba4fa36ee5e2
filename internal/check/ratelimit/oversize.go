package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// DefaultOversize is the size of the body RATE-003 sends.
const DefaultOversize = 3 << 20

// Oversize is ESC-DAST-RATE-003: oversized payloads accepted.
type Oversize struct {
	// Size is the body size sent (default [DefaultOversize]).
	Size int
}

var _ check.Check = (*Oversize)(nil)

// Info returns the check's metadata.
func (c *Oversize) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-RATE-003",
		Title:    "Oversized payload accepted",
		Severity: escarp.SeverityMedium,
		OWASP:    "API4:2023",
		CWE:      []string{"CWE-770", "CWE-400"},
		Description: "On POST operations that create resources (so only data escarp creates is touched), sends the valid JSON body " +
			"with one free-text member (name, description, comment, ...) grown to 3 MiB. It reports when the server accepts it with 2xx " +
			"and accepts a second, different 3 MiB body too.",
		Remediation: "Bound the body and every string:\n\n" +
			"```go\nr.Body = http.MaxBytesReader(w, r.Body, 64<<10)\nif err := json.NewDecoder(r.Body).Decode(&in); err != nil { /* 413 or 400 */ }\nif len(in.Description) > 2000 { /* 400 */ }\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
			"https://cwe.mitre.org/data/definitions/770.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

var freeText = regexp.MustCompile(`(?i)(description|comment|text|content|body|bio|note|message|title|name|summary|about|detail)`)

// Run sends two oversized bodies.
func (c *Oversize) Run(ctx context.Context, p *check.Pass) error {
	if p.Op.Method != "POST" || p.Op.RequestBody == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	var doc map[string]any
	if json.Unmarshal(req.Body, &doc) != nil {
		return nil
	}
	base, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil || base == nil || !base.OK() {
		return err
	}
	var target *checkkit.Point
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.In != checkkit.InBody || pt.Kind != "string" || strings.Count(pt.Name, "/") != 1 {
			continue
		}
		if s := pt.Schema; s != nil && (s.Format != "" || len(s.Enum) > 0 || s.Pattern != "") {
			continue
		}
		if target == nil || freeText.MatchString(pt.Leaf()) && !freeText.MatchString(target.Leaf()) {
			pt := pt
			target = &pt
		}
	}
	size := c.Size
	if size <= 0 {
		size = DefaultOversize
	}
	big := func(ch string) *check.Request {
		if target != nil {
			return target.With(req, strings.Repeat(ch, size))
		}
		r := req.Clone()
		doc["escarp_padding"] = strings.Repeat(ch, size)
		r.Body, _ = json.Marshal(doc)
		return r
	}
	r1, err := checkkit.Send(ctx, p, big("a"))
	if err != nil || r1 == nil || !r1.OK() {
		return err
	}
	r2, err := checkkit.Send(ctx, p, big("b"))
	if err != nil || r2 == nil || !r2.OK() {
		return err
	}
	where := "an extra member"
	param := "body:"
	if target != nil {
		where, param = target.Describe(), target.Param()
	}
	p.Report(checkkit.Finding(c.Info(), p.Op, r1, param,
		fmt.Sprintf("%s accepted a %d MiB body (%s) with %d, twice", p.Op.Key(), size>>20, where, r1.Status), ""))
	return nil
}
