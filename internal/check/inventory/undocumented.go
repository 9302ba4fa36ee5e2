package inventory

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

//go:embed wordlist.txt
var builtinWordlist []byte

// maxCandidates bounds the paths INV-001 probes.
const maxCandidates = 400

// Candidate is one path to probe and the severity of a finding on it.
type Candidate struct {
	Path     string
	Severity escarp.Severity
}

// ParseWordlist reads a wordlist: one path a line, an optional severity
// after it, # comments. name is used in errors.
func ParseWordlist(name string, data []byte) ([]Candidate, error) {
	var out []Candidate
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		c := Candidate{Path: f[0], Severity: escarp.SeverityMedium}
		if !strings.HasPrefix(c.Path, "/") {
			c.Path = "/" + c.Path
		}
		if len(f) > 1 {
			s, err := escarp.ParseSeverity(f[1])
			if err != nil {
				return nil, escarp.InvalidAt(escarp.Position{File: name, Line: line}, "severity %q: %v", f[1], err)
			}
			c.Severity = s
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

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
	cands, err := ParseWordlist("wordlist.txt", builtinWordlist)
	if err != nil {
		return err
	}
	if c.Wordlist != "" {
		data, err := os.ReadFile(c.Wordlist)
		if err != nil {
			return &escarp.Error{Op: "check.inventory", Kind: escarp.Invalid, Message: "reading wordlist", Err: err}
		}
		extra, err := ParseWordlist(c.Wordlist, data)
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
	soft := map[string]*softNotFound{}
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
			if r1 == nil || !r1.OK() || soft[b].matches(r1) {
				continue
			}
			r2, err := get(ctx, p, path, ident)
			if err != nil {
				return err
			}
			if r2 == nil || !r2.OK() || soft[b].matches(r2) {
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

// softNotFound is how a server answers paths that do not exist.
type softNotFound struct {
	status []int
	bodies [][]byte // with the requested path taken out
}

// unreflect removes the requested path (and its last segment) from body,
// so pages that echo the path compare equal.
func unreflect(body []byte, path string) []byte {
	body = bytes.ReplaceAll(body, []byte(path), nil)
	if i := strings.LastIndexByte(path, '/'); i >= 0 && len(path)-i > 3 {
		body = bytes.ReplaceAll(body, []byte(path[i+1:]), nil)
	}
	return body
}

// learn requests random paths under base.
func learn(ctx context.Context, p *check.Pass, base, ident string) (*softNotFound, error) {
	sn := &softNotFound{}
	for _, path := range []string{"/escarp-" + checkkit.Token(6), "/admin-" + checkkit.Token(4), "/" + checkkit.Token(5) + ".json"} {
		r, err := get(ctx, p, base+path, ident)
		if err != nil {
			return nil, err
		}
		if r != nil {
			sn.status = append(sn.status, r.Status)
			sn.bodies = append(sn.bodies, unreflect(r.Body, base+path))
		}
	}
	return sn, nil
}

// matches reports whether r looks like the server's answer to a path
// that does not exist: same status and a similar body.
func (sn *softNotFound) matches(r *check.Response) bool {
	body := r.Body
	if r.Request != nil {
		body = unreflect(body, r.Request.Path)
	}
	for i, st := range sn.status {
		if st == r.Status && Similar(sn.bodies[i], body) {
			return true
		}
	}
	return false
}

// Similar reports whether two bodies are alike: equal after removing
// what differs between random paths, or within 10% in length with most
// of their words in common.
func Similar(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return la == lb
	}
	if d := abs(la - lb); d*10 > max(la, lb) && d > 32 {
		return false
	}
	wa, wb := words(a), words(b)
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	return common*10 >= 8*max(len(wa), len(wb))
}

func words(b []byte) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(string(b), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		m[w] = true
	}
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// documented reports whether path matches an operation's template.
func documented(api *escarp.API, path string) bool {
	for _, op := range api.Operations {
		if Match(op.Path, path) {
			return true
		}
	}
	return false
}

// Match reports whether a concrete path matches a path template
// ("/users/{id}"), ignoring a trailing slash.
func Match(template, path string) bool {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if t != ps[i] {
			return false
		}
	}
	return true
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
