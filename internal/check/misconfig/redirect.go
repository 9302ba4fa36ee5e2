package misconfig

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Redirect is ESC-DAST-CONF-006: open redirect.
type Redirect struct{}

var _ check.Check = (*Redirect)(nil)

// Info returns the check's metadata.
func (c *Redirect) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-006",
		Title:    "Open redirect",
		Severity: escarp.SeverityMedium,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-601"},
		Description: "Sets redirect-like parameters (redirect, redirect_uri, next, return, returnTo, url, continue, dest, goto, target, ...) " +
			"to https://escarp-<random>.example/ and //escarp-<random>.example/. It reports when the answer is a 3xx whose Location " +
			"points at that host, confirmed with a second random host. The redirect is never followed.",
		Remediation: "Redirect only to relative paths or to an allow-list of hosts:\n\n" +
			"```go\nu, err := url.Parse(next)\nif err != nil || u.IsAbs() || u.Host != \"\" || !strings.HasPrefix(u.Path, \"/\") {\n\tnext = \"/\"\n}\n```",
		References: []string{
			"https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html",
			"https://cwe.mitre.org/data/definitions/601.html",
		},
		Scope: check.PerOperation,
	}
}

var redirectNames = regexp.MustCompile(`(?i)^(redirect.*|next|return.*|url|continue|dest.*|goto|target|forward|callback_?url|to|back|r|u|out|go)$`)

func redirectsTo(resp *check.Response, host string) bool {
	if resp == nil || resp.Status < 300 || resp.Status >= 400 {
		return false
	}
	loc := strings.TrimSpace(resp.Header.Get("Location"))
	loc = strings.ReplaceAll(loc, `\`, "/")
	u, err := url.Parse(loc)
	return err == nil && strings.EqualFold(u.Hostname(), host)
}

// Run probes redirect-like parameters.
func (c *Redirect) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	info := c.Info()
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.In != checkkit.InQuery && pt.In != checkkit.InForm && pt.In != checkkit.InBody {
			continue
		}
		if !redirectNames.MatchString(pt.Leaf()) {
			continue
		}
		for _, form := range []string{"https://%s/", "//%s/"} {
			host := "escarp-" + checkkit.Token(4) + ".example"
			r1, err := checkkit.Send(ctx, p, pt.With(req, fmt.Sprintf(form, host)))
			if err != nil {
				return err
			}
			if !redirectsTo(r1, host) {
				continue
			}
			host2 := "escarp-" + checkkit.Token(4) + ".example"
			r2, err := checkkit.Send(ctx, p, pt.With(req, fmt.Sprintf(form, host2)))
			if err != nil {
				return err
			}
			if !redirectsTo(r2, host2) {
				continue
			}
			p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
				fmt.Sprintf("Open redirect in %s of %s: the answer redirects to any host it is given", pt.Describe(), p.Op.Key()),
				fmt.Sprintf("%d Location: %s; confirmed with %s", r1.Status, r1.Header.Get("Location"), host2)))
			break
		}
	}
	return nil
}
