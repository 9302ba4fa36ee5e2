package inventory

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
	"github.com/escarp/escarp/internal/discovery"
)

// maxSiblingOps bounds the operations whose siblings INV-003 probes.
const maxSiblingOps = 40

// Versions is ESC-DAST-INV-003: undocumented sibling API versions that
// answer.
type Versions struct{}

var _ check.Check = (*Versions)(nil)

// Info returns the check's metadata.
func (c *Versions) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INV-003",
		Title:    "Undocumented API version answers",
		Severity: escarp.SeverityMedium,
		OWASP:    "API9:2023",
		CWE:      []string{"CWE-1059"},
		Description: "For GET operations whose path holds a version segment (/v2/), requests the same path with the other versions " +
			"from v0 to one above the highest documented (/v1/, /v3/) that the description does not document, with the same " +
			"parameters. After learning how random paths under that version answer, it reports a sibling that answers 2xx twice: " +
			"an old version left running without the current controls.",
		Remediation: "Keep an inventory of every deployed version, retire old ones, and route only documented versions:\n\n" +
			"```go\nmux.Handle(\"/v2/\", v2) // /v1 removed; the gateway answers 410 Gone for /v1/*\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
			"https://cwe.mitre.org/data/definitions/1059.html",
		},
		Scope: check.PerAPI,
	}
}

var versionSeg = regexp.MustCompile(`^v(\d+)$`)

// Run probes sibling versions.
func (c *Versions) Run(ctx context.Context, p *check.Pass) error {
	documentedVersions := map[int]bool{}
	highest := -1
	type cand struct {
		op  *escarp.Operation
		seg int
	}
	var cands []cand
	for _, op := range p.API.Operations {
		for i, s := range strings.Split(op.Path, "/") {
			if m := versionSeg.FindStringSubmatch(s); m != nil {
				v, _ := strconv.Atoi(m[1])
				documentedVersions[v] = true
				highest = max(highest, v)
				if op.Method == "GET" && len(cands) < maxSiblingOps {
					cands = append(cands, cand{op, i})
				}
				break
			}
		}
	}
	if highest < 0 {
		return nil
	}
	var siblings []int
	for v := 0; v <= highest+1; v++ {
		if !documentedVersions[v] {
			siblings = append(siblings, v)
		}
	}
	sort.Ints(siblings)
	ident := checkkit.Prober(p)
	info := c.Info()
	soft := map[string]*discovery.NotFound{}
	for _, cd := range cands {
		req, skip, err := checkkit.Prepare(ctx, p, cd.op, checkkit.Prober(p))
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		req = checkkit.Inputs(p, req)
		segs := strings.Split(req.Path, "/")
		tsegs := strings.Split(cd.op.Path, "/")
		idx := cd.seg + len(segs) - len(tsegs)
		if idx < 0 || idx >= len(segs) || !versionSeg.MatchString(segs[idx]) {
			continue
		}
		for _, v := range siblings {
			cp := append([]string(nil), segs...)
			cp[idx] = "v" + strconv.Itoa(v)
			path := strings.Join(cp, "/")
			if documented(p.API, path) {
				continue
			}
			prefix := strings.Join(cp[:idx+1], "/")
			if soft[prefix] == nil {
				sn, err := learn(ctx, p, prefix, ident)
				if err != nil {
					return err
				}
				soft[prefix] = sn
			}
			send := func() (*check.Response, error) {
				r := req.Clone()
				r.Path = path
				r.Op = nil
				return checkkit.Send(ctx, p, r)
			}
			r1, err := send()
			if err != nil {
				return err
			}
			if r1 == nil || !r1.OK() || notFound(soft[prefix], r1) {
				continue
			}
			r2, err := send()
			if err != nil {
				return err
			}
			if r2 == nil || !r2.OK() || notFound(soft[prefix], r2) {
				continue
			}
			f := checkkit.Finding(info, nil, r1, "",
				fmt.Sprintf("%s %s answers %d: version v%d is served but not documented (documented: %s)",
					req.Method, path, r1.Status, v, cd.op.Key()), "")
			tpl := strings.Split(cd.op.Path, "/")
			tpl[cd.seg] = "v" + strconv.Itoa(v)
			f.Location.Method, f.Location.Path = cd.op.Method, strings.Join(tpl, "/")
			f.Location = f.Location.At(cd.op.Pos)
			p.Report(f)
		}
	}
	return nil
}
