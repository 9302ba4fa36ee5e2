package ssrf

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// DefaultWait bounds how long a callback hit is waited for.
const DefaultWait = 2 * time.Second

// Blind is ESC-DAST-SSRF-001: the target fetches a URL a client gives it.
type Blind struct {
	// Wait bounds how long a callback hit is waited for (default
	// [DefaultWait]).
	Wait time.Duration
}

var _ check.Check = (*Blind)(nil)

// Info returns the check's metadata.
func (c *Blind) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-SSRF-001",
		Title:    "Server-side request forgery",
		Severity: escarp.SeverityHigh,
		OWASP:    "API7:2023",
		CWE:      []string{"CWE-918"},
		Description: "Points every URL-shaped parameter and body member (format uri or url, names such as url, callback, webhook, image, " +
			"avatar, link, feed, endpoint, target, host) at escarp's own callback listener with a fresh token. It reports when the " +
			"listener is hit for the token, and again for a second token. Probes never point anywhere but escarp's listener.",
		Remediation: "Fetch only allow-listed hosts, resolve once and refuse internal addresses, and do not follow redirects:\n\n" +
			"```go\nu, err := url.Parse(raw)\nif err != nil || u.Scheme != \"https\" || !allowedHosts[u.Hostname()] {\n\treturn errForbidden\n}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
			"https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
			"https://cwe.mitre.org/data/definitions/918.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Callback: true, Mutating: true},
	}
}

// Run probes the URL-shaped points of the operation.
func (c *Blind) Run(ctx context.Context, p *check.Pass) error {
	cb := p.Session.Callback()
	if cb == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	wait := c.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	info := c.Info()
	for _, pt := range checkkit.URLPoints(p.Op, req) {
		tok := "ssrf-" + checkkit.Token(6)
		r1, err := checkkit.Send(ctx, p, pt.With(req, cb.URL(tok)))
		if err != nil {
			return err
		}
		if !checkkit.WaitHit(ctx, cb, tok, wait) {
			continue
		}
		tok2 := "ssrf-" + checkkit.Token(6)
		if _, err := checkkit.Send(ctx, p, pt.With(req, cb.URL(tok2))); err != nil {
			return err
		}
		if !checkkit.WaitHit(ctx, cb, tok2, wait) {
			continue
		}
		hit := cb.Hits(tok)[0]
		p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
			fmt.Sprintf("SSRF in %s of %s: the server fetched the URL it was given", pt.Describe(), p.Op.Key()),
			fmt.Sprintf("escarp's callback listener received %s %s from %s; confirmed with a second token", hit.Method, hit.Path, hit.Remote)))
	}
	return nil
}

// Internal is ESC-DAST-SSRF-002: the target fetches loopback addresses
// and returns what it read.
type Internal struct{}

var _ check.Check = (*Internal)(nil)

// Info returns the check's metadata.
func (c *Internal) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-SSRF-002",
		Title:    "SSRF to internal addresses with the response returned",
		Severity: escarp.SeverityHigh,
		OWASP:    "API7:2023",
		CWE:      []string{"CWE-918"},
		Description: "Makes escarp's callback listener answer a token with a random marker, then points URL-shaped values at it " +
			"through loopback forms (http://127.0.0.1:PORT, localhost, [::ffff:127.0.0.1]). It reports " +
			"when the marker comes back in the answer (the API reads internal services for its client, such as cloud metadata at " +
			"169.254.169.254), confirmed with a second marker. Every probe stays on loopback: escarp never sends a link-local or " +
			"third-party address.",
		Remediation: "Resolve the host, refuse loopback, private and link-local addresses (after every redirect), and do not return " +
			"fetched content verbatim:\n\n" +
			"```go\nip := net.ParseIP(host)\nif ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {\n\treturn errForbidden\n}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
			"https://cwe.mitre.org/data/definitions/918.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Callback: true, Mutating: true},
	}
}

// LoopbackForms returns the URL u with its host written in loopback forms,
// u itself first; only u when its host is not a loopback address.
func LoopbackForms(u string) []string {
	pu, err := url.Parse(u)
	if err != nil {
		return []string{u}
	}
	host, port := pu.Hostname(), pu.Port()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return []string{u}
	}
	forms := []string{u}
	// Only forms that resolve without DNS: numeric shorthands such as
	// 127.1 or 2130706433 would make some resolvers query a name server.
	for _, h := range []string{"127.0.0.1", "localhost", "[::ffff:127.0.0.1]"} {
		cp := *pu
		cp.Host = h
		if port != "" {
			cp.Host = h + ":" + port
		}
		if s := cp.String(); s != u {
			forms = append(forms, s)
		}
	}
	return forms
}

// Run probes the URL-shaped points of the operation.
func (c *Internal) Run(ctx context.Context, p *check.Pass) error {
	cb := p.Session.Callback()
	if cb == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	info := c.Info()
	probe := func(pt checkkit.Point, form int) (*check.Response, string, bool, error) {
		tok := "ssrf-" + checkkit.Token(6)
		marker := "escarp-marker-" + checkkit.Token(8)
		cb.Serve(tok, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(marker))
		}))
		defer cb.Serve(tok, nil)
		forms := LoopbackForms(cb.URL(tok))
		if form >= len(forms) {
			return nil, "", false, nil
		}
		u := forms[form]
		resp, err := checkkit.Send(ctx, p, pt.With(req, u))
		if err != nil || resp == nil {
			return nil, u, false, err
		}
		return resp, u, strings.Contains(string(resp.Body), marker), nil
	}
	for _, pt := range checkkit.URLPoints(p.Op, req) {
		nforms := len(LoopbackForms(cb.URL("x")))
		for form := range nforms {
			r1, u, ok, err := probe(pt, form)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			_, _, ok, err = probe(pt, form)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
				fmt.Sprintf("SSRF in %s of %s: the server fetched a loopback URL and returned its content", pt.Describe(), p.Op.Key()),
				fmt.Sprintf("the marker served at %s came back in the answer; confirmed with a second marker", u)))
			break
		}
	}
	return nil
}
