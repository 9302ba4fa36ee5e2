package misconfig

import (
	"context"
	"fmt"
	"regexp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Disclosure is ESC-DAST-CONF-005: headers that disclose the technology
// and its version.
type Disclosure struct{}

var _ check.Check = (*Disclosure)(nil)

// Info returns the check's metadata.
func (c *Disclosure) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-005",
		Title:    "Technology and version disclosed in headers",
		Severity: escarp.SeverityLow,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-200"},
		Description: "Reads the headers of valid answers and of a random missing path. It reports, once per API and header, " +
			"X-Powered-By, X-AspNet-Version, X-AspNetMvc-Version and X-Generator when present, and Server when it carries a version number, " +
			"seen on two answers.",
		Remediation: "Do not send product or version headers:\n\n" +
			"```go\nw.Header().Del(\"X-Powered-By\") // and configure the proxy: server_tokens off;\n```",
		References: []string{
			"https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server",
			"https://cwe.mitre.org/data/definitions/200.html",
		},
		Scope: check.PerAPI,
	}
}

var versioned = regexp.MustCompile(`\d+\.\d+`)

var disclosing = []struct {
	name        string
	needVersion bool
}{
	{"Server", true}, {"X-Powered-By", false}, {"X-AspNet-Version", false}, {"X-AspNetMvc-Version", false}, {"X-Generator", false},
}

// Run reads sampled answers.
func (c *Disclosure) Run(ctx context.Context, p *check.Pass) error {
	ss, err := samples(ctx, p, 2, false)
	if err != nil {
		return err
	}
	var resps []*check.Response
	for _, s := range ss {
		resps = append(resps, s.resp)
	}
	r404, err := checkkit.Send(ctx, p, rootRequest("GET", "/escarp-"+checkkit.Token(6)))
	if err != nil {
		return err
	}
	if r404 != nil {
		resps = append(resps, r404)
	}
	info := c.Info()
	for _, h := range disclosing {
		var first *check.Response
		seen := 0
		for _, r := range resps {
			v := r.Header.Get(h.name)
			if v == "" || (h.needVersion && !versioned.MatchString(v)) {
				continue
			}
			seen++
			if first == nil {
				first = r
			}
		}
		if seen < 2 {
			continue
		}
		var op *escarp.Operation
		if first.Request != nil {
			op = first.Request.Op
		}
		p.Report(checkkit.Finding(info, op, first, "header:"+h.name,
			fmt.Sprintf("The API discloses its technology in %s: %q", h.name, first.Header.Get(h.name)), ""))
	}
	return nil
}
