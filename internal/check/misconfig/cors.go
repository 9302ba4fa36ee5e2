package misconfig

import (
	"context"
	"fmt"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// CORS is ESC-DAST-CONF-001: a CORS policy that trusts any origin with
// credentials.
type CORS struct{}

var _ check.Check = (*CORS)(nil)

// Info returns the check's metadata.
func (c *CORS) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-001",
		Title:    "CORS trusts arbitrary origins with credentials",
		Severity: escarp.SeverityMedium,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-942"},
		Description: "Sends valid GET requests with Origin: https://escarp-<random>.example and with Origin: null. " +
			"It reports when Access-Control-Allow-Origin echoes the foreign origin (or null) together with " +
			"Access-Control-Allow-Credentials: true, confirmed with a second random origin. Reported once per API.",
		Remediation: "Allow a fixed list of origins and never reflect the Origin header:\n\n" +
			"```go\nif allowed[r.Header.Get(\"Origin\")] {\n\tw.Header().Set(\"Access-Control-Allow-Origin\", r.Header.Get(\"Origin\"))\n\tw.Header().Add(\"Vary\", \"Origin\")\n}\n```",
		References: []string{
			"https://portswigger.net/web-security/cors",
			"https://cwe.mitre.org/data/definitions/942.html",
		},
		Scope: check.PerAPI,
	}
}

func trusts(resp *check.Response, origin string) bool {
	return resp != nil && resp.Header.Get("Access-Control-Allow-Origin") == origin &&
		strings.EqualFold(strings.TrimSpace(resp.Header.Get("Access-Control-Allow-Credentials")), "true")
}

// Run probes up to three GET operations and reports once.
func (c *CORS) Run(ctx context.Context, p *check.Pass) error {
	ss, err := samples(ctx, p, maxSamples, true)
	if err != nil {
		return err
	}
	info := c.Info()
	for _, s := range ss {
		for _, mk := range []func() string{
			func() string { return "https://escarp-" + checkkit.Token(4) + ".example" },
			func() string { return "null" },
		} {
			origin := mk()
			r := s.req.Clone()
			r.Header.Set("Origin", origin)
			r1, err := checkkit.Send(ctx, p, r)
			if err != nil {
				return err
			}
			if !trusts(r1, origin) {
				continue
			}
			origin2 := mk()
			r = s.req.Clone()
			r.Header.Set("Origin", origin2)
			r2, err := checkkit.Send(ctx, p, r)
			if err != nil {
				return err
			}
			if !trusts(r2, origin2) {
				continue
			}
			what := "any origin it is sent"
			if origin == "null" {
				what = "the null origin (sandboxed iframes, file: pages)"
			}
			p.Report(checkkit.Finding(info, s.req.Op, r1, "header:Origin",
				fmt.Sprintf("CORS policy trusts %s with credentials (seen on %s)", what, check.Describe(s.req)),
				fmt.Sprintf("Origin %s → Access-Control-Allow-Origin %s, Access-Control-Allow-Credentials true; confirmed with %s",
					origin, r1.Header.Get("Access-Control-Allow-Origin"), origin2)))
			return nil
		}
	}
	return nil
}

// CORSAny is ESC-DAST-CONF-007: authenticated answers readable by any
// origin (Access-Control-Allow-Origin: *).
type CORSAny struct{}

var _ check.Check = (*CORSAny)(nil)

// Info returns the check's metadata.
func (c *CORSAny) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-007",
		Title:    "Authenticated answers readable by any origin",
		Severity: escarp.SeverityMedium,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-942"},
		Description: "Sends valid GET requests of operations that require authentication, as a configured identity, with " +
			"Origin: https://escarp-<random>.example. It reports when a 2xx answer carries Access-Control-Allow-Origin: * " +
			"(any web page may read answers to requests it makes with a token it holds, and the policy says the API " +
			"was never meant to be origin-restricted), confirmed with a second random origin. Anonymous operations are " +
			"not reported: a wildcard suits public data. ZAP reports the same as Cross-Domain Misconfiguration (medium). " +
			"Reported once per API.",
		Remediation: "Send Access-Control-Allow-Origin only for the origins of your own front ends, never `*` on " +
			"operations that need credentials:\n\n" +
			"```go\nif allowed[r.Header.Get(\"Origin\")] {\n\tw.Header().Set(\"Access-Control-Allow-Origin\", r.Header.Get(\"Origin\"))\n\tw.Header().Add(\"Vary\", \"Origin\")\n}\n```",
		References: []string{
			"https://www.zaproxy.org/docs/alerts/10098/",
			"https://cwe.mitre.org/data/definitions/942.html",
		},
		Scope: check.PerAPI,
	}
}

// Run probes up to three authenticated GET operations and reports once.
func (c *CORSAny) Run(ctx context.Context, p *check.Pass) error {
	ss, err := samples(ctx, p, maxSamples, true)
	if err != nil {
		return err
	}
	for _, s := range ss {
		if s.req.Identity == "" || s.req.Op == nil || s.req.Op.Anonymous() {
			continue
		}
		var got []*check.Response
		for range 2 {
			r := s.req.Clone()
			r.Header.Set("Origin", "https://escarp-"+checkkit.Token(4)+".example")
			resp, err := checkkit.Send(ctx, p, r)
			if err != nil {
				return err
			}
			if resp == nil || !resp.OK() || strings.TrimSpace(resp.Header.Get("Access-Control-Allow-Origin")) != "*" {
				break
			}
			got = append(got, resp)
		}
		if len(got) < 2 {
			continue
		}
		p.Report(checkkit.Finding(c.Info(), s.req.Op, got[0], "header:Origin",
			fmt.Sprintf("%s requires authentication, yet its answers carry Access-Control-Allow-Origin: * (seen on %s)",
				s.req.Op.Key(), check.Describe(s.req)),
			"two random origins were both answered with Access-Control-Allow-Origin: *"))
		return nil
	}
	return nil
}
