package inventory

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
	"github.com/escarp/escarp/internal/discovery"
)

// maxCandidates bounds the paths INV-001 probes.
const maxCandidates = 400

// Undocumented is ESC-DAST-INV-001: undocumented endpoints that answer.
type Undocumented struct {
	// Wordlist is an extra wordlist file (same format as the built-in
	// one), probed after the built-in list.
	Wordlist string
}

var _ check.Check = (*Undocumented)(nil)

// Info returns the check's metadata.
func (c *Undocumented) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INV-001",
		Title:    "Undocumented endpoint answers",
		Severity: escarp.SeverityMedium,
		OWASP:    "API9:2023",
		CWE:      []string{"CWE-1059"},
		Description: "Probes a built-in list of admin, debug, backup, export, configuration and documentation paths (and an optional " +
			"wordlist), at the root and under the API's common base path, skipping what the description documents. First it learns " +
			"how the server answers random paths (status, length, body) so that a server answering 200 to everything yields nothing. " +
			"A path is reported when it answers 2xx unlike the random paths, twice; health and version paths only at info severity.",
		Remediation: "Document every endpoint that ships, and remove or protect debug and admin routes in production:\n\n" +
			"```go\nif debug { mux.Handle(\"/debug/pprof/\", requireAdmin(pprofHandler)) } // never on the public listener\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
			"https://cwe.mitre.org/data/definitions/1059.html",
		},
		Scope: check.PerAPI,
	}
}

// Run probes the candidates.
func (c *Undocumented) Run(ctx context.Context, p *check.Pass) error {
	var cands []discovery.Word
	for _, w := range discovery.Builtin() {
		if !w.NoFinding {
			cands = append(cands, w)
		}
	}
	if c.Wordlist != "" {
		data, err := os.ReadFile(c.Wordlist)
		if err != nil {
			return &escarp.Error{Op: "check.inventory", Kind: escarp.Invalid, Message: "reading wordlist", Err: err}
		}
		extra, err := discovery.ParseWordlist(c.Wordlist, data)
		if err != nil {
			return err
		}
		cands = append(cands, extra...)
	}
	bases := []string{""}
	if b := commonBase(p.API); b != "" {
		bases = append(bases, b)
	}
	ident := checkkit.Prober(p)
	soft := map[string]*discovery.NotFound{}
	for _, b := range bases {
		sn, err := learn(ctx, p, b, ident)
		if err != nil {
			return err
		}
		soft[b] = sn
	}
	info := c.Info()
	seen := map[string]bool{}
	n := 0
	for _, b := range bases {
		for _, cand := range cands {
			path := b + cand.Path
			if seen[path] || documented(p.API, path) {
				continue
			}
			seen[path] = true
			if n++; n > maxCandidates {
				return nil
			}
			r1, err := get(ctx, p, path, ident)
			if err != nil {
				return err
			}
			if r1 == nil || !r1.OK() || notFound(soft[b], r1) {
				continue
			}
			r2, err := get(ctx, p, path, ident)
			if err != nil {
				return err
			}
			if r2 == nil || !r2.OK() || notFound(soft[b], r2) {
				continue
			}
			f := checkkit.Finding(info, nil, r1, "", fmt.Sprintf("GET %s answers %d but the API description does not document it", path, r1.Status), "")
			f.Severity = cand.Severity
			f.Location.Method, f.Location.Path = "GET", path
			f.Location = f.Location.At(p.API.Pos)
			if f.Location.Line == 0 {
				f.Location.Line = 1
			}
			p.Report(f)
		}
	}
	return nil
}

func get(ctx context.Context, p *check.Pass, path, ident string) (*check.Response, error) {
	return checkkit.Send(ctx, p, &check.Request{Method: "GET", Path: path, Query: map[string][]string{}, Header: map[string][]string{}, Identity: ident})
}

// learn requests paths that cannot exist under base, to know how the
// server answers them.
func learn(ctx context.Context, p *check.Pass, base, ident string) (*discovery.NotFound, error) {
	nf := &discovery.NotFound{}
	for _, path := range discovery.Probes(base) {
		r, err := get(ctx, p, path, ident)
		if err != nil {
			return nil, err
		}
		if r != nil {
			nf.Learn(path, r.Status, r.Body)
		}
	}
	return nf, nil
}

// notFound reports whether r looks like the server's answer to a path
// that does not exist.
func notFound(nf *discovery.NotFound, r *check.Response) bool {
	path := ""
	if r.Request != nil {
		path = r.Request.Path
	}
	return nf.Matches(path, r.Status, r.Body)
}

// documented reports whether path matches an operation's template.
func documented(api *escarp.API, path string) bool {
	for _, op := range api.Operations {
		if _, ok := escarp.ParsePathTemplate(op.Path).Match(path); ok {
			return true
		}
	}
	return false
}

// commonBase returns the leading path segments every operation shares
// ("/api/v1"), without template segments, or "".
func commonBase(api *escarp.API) string {
	var common []string
	for i, op := range api.Operations {
		segs := strings.Split(strings.Trim(op.Path, "/"), "/")
		if len(segs) > 0 {
			segs = segs[:len(segs)-1] // keep at least one segment of the path itself
		}
		if i == 0 {
			common = segs
			continue
		}
		n := 0
		for n < len(common) && n < len(segs) && common[n] == segs[n] {
			n++
		}
		common = common[:n]
	}
	for i, s := range common {
		if strings.Contains(s, "{") {
			common = common[:i]
			break
		}
	}
	if len(common) == 0 {
		return ""
	}
	return "/" + strings.Join(common, "/")
}
