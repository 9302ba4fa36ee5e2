package misconfig

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// maxPaths bounds the paths probed with OPTIONS.
const maxPaths = 30

// Methods is ESC-DAST-CONF-004: TRACE enabled and unsafe methods served
// that the description does not declare.
type Methods struct{}

var _ check.Check = (*Methods)(nil)

// Info returns the check's metadata.
func (c *Methods) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-004",
		Title:    "TRACE or undeclared unsafe methods enabled",
		Severity: escarp.SeverityLow,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-16", "CWE-749"},
		Description: "Non-destructive: sends only TRACE and OPTIONS. TRACE with a random header is reported when the answer echoes it " +
			"(twice, with fresh values). OPTIONS on each documented path is reported when the Allow header lists PUT, PATCH, DELETE " +
			"or POST that the description does not declare on that path, twice, and a random undocumented path does not list them too " +
			"(a router that claims every method everywhere is not evidence).",
		Remediation: "Register only the documented methods and disable TRACE:\n\n" +
			"```go\nmux.HandleFunc(\"GET /users/{id}\", getUser) // Go 1.22+: other methods get 405\n```",
		References: []string{
			"https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/06-Test_HTTP_Methods",
			"https://cwe.mitre.org/data/definitions/749.html",
		},
		Scope: check.PerAPI,
	}
}

// Run probes TRACE once and OPTIONS per path.
func (c *Methods) Run(ctx context.Context, p *check.Pass) error {
	info := c.Info()
	if err := c.trace(ctx, p, info); err != nil {
		return err
	}
	return c.options(ctx, p, info)
}

func (c *Methods) trace(ctx context.Context, p *check.Pass, info check.Info) error {
	var targets []*check.Request
	if ss, err := samples(ctx, p, 1, false); err != nil {
		return err
	} else if len(ss) > 0 {
		r := ss[0].req.Clone()
		r.Method = "TRACE"
		r.Body = nil
		r.Identity = "" // an echo of credentials would end up in the evidence
		r.Header.Del("Authorization")
		r.Header.Del("Cookie")
		targets = append(targets, r)
	}
	targets = append(targets, rootRequest("TRACE", "/"))
	send := func(base *check.Request) (*check.Response, bool, error) {
		tok := "escarp-" + checkkit.Token(6)
		r := base.Clone()
		r.Header.Set("X-Escarp-Trace", tok)
		resp, err := checkkit.Send(ctx, p, r)
		if err != nil || resp == nil {
			return nil, false, err
		}
		return resp, resp.OK() && bytes.Contains(resp.Body, []byte(tok)), nil
	}
	for _, t := range targets {
		r1, ok, err := send(t)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		_, ok, err = send(t)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		p.Report(checkkit.Finding(info, t.Op, r1, "method:TRACE",
			fmt.Sprintf("TRACE is enabled and echoes the request (%s %s)", t.Method, t.Path),
			"the random X-Escarp-Trace header came back in the body, twice"))
		return nil
	}
	return nil
}

var unsafeMethods = []string{"POST", "PUT", "PATCH", "DELETE"}

func allowed(resp *check.Response) []string {
	if resp == nil {
		return nil
	}
	var ms []string
	for _, v := range resp.Header.Values("Allow") {
		for _, m := range strings.Split(v, ",") {
			if m = strings.ToUpper(strings.TrimSpace(m)); m != "" {
				ms = append(ms, m)
			}
		}
	}
	return ms
}

func (c *Methods) options(ctx context.Context, p *check.Pass, info check.Info) error {
	// What a random path claims: a router answering the same for every
	// path proves nothing about documented ones.
	rnd, err := checkkit.Send(ctx, p, rootRequest("OPTIONS", "/escarp-"+checkkit.Token(6)))
	if err != nil {
		return err
	}
	generic := allowed(rnd)
	byPath := map[string][]*escarp.Operation{}
	var paths []string
	for _, op := range p.API.Operations {
		if _, ok := byPath[op.Path]; !ok {
			paths = append(paths, op.Path)
		}
		byPath[op.Path] = append(byPath[op.Path], op)
	}
	if len(paths) > maxPaths {
		paths = paths[:maxPaths]
	}
	for _, path := range paths {
		ops := byPath[path]
		declared := map[string]bool{}
		for _, op := range ops {
			declared[op.Method] = true
		}
		req, skip, err := checkkit.Prepare(ctx, p, ops[0], checkkit.Prober(p))
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		req = checkkit.Inputs(p, req)
		probe := func() (*check.Response, []string, error) {
			r := req.Clone()
			r.Method, r.Body = "OPTIONS", nil
			r.Header.Del("Content-Type")
			resp, err := checkkit.Send(ctx, p, r)
			var extra []string
			for _, m := range allowed(resp) {
				if slices.Contains(unsafeMethods, m) && !declared[m] && !slices.Contains(generic, m) && !routedElsewhere(p.API, m, req.Path) {
					extra = append(extra, m)
				}
			}
			return resp, extra, err
		}
		r1, extra, err := probe()
		if err != nil {
			return err
		}
		if len(extra) == 0 {
			continue
		}
		_, again, err := probe()
		if err != nil {
			return err
		}
		var both []string
		for _, m := range extra {
			if slices.Contains(again, m) {
				both = append(both, m)
			}
		}
		if len(both) == 0 {
			continue
		}
		p.Report(checkkit.Finding(info, ops[0], r1, "method:"+strings.Join(both, ","),
			fmt.Sprintf("%s allows %s, which the description does not declare on this path", path, strings.Join(both, ", ")),
			"Allow: "+strings.Join(allowed(r1), ", ")))
	}
	return nil
}

// routedElsewhere reports whether another documented template with method
// m matches the concrete path (DELETE /boats/{id} matches /boats/search): a
// router lists that method for the path, and it is documented.
func routedElsewhere(api *escarp.API, m, path string) bool {
	for _, op := range api.Operations {
		if op.Method != m {
			continue
		}
		if _, ok := escarp.ParsePathTemplate(op.Path).Match(path); ok {
			return true
		}
	}
	return false
}
