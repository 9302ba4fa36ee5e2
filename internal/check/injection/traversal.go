package injection

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Traversal is ESC-DAST-INJ-005: path traversal.
type Traversal struct{}

var _ check.Check = (*Traversal)(nil)

// Info returns the check's metadata.
func (c *Traversal) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INJ-005",
		Title:    "Path traversal",
		Severity: escarp.SeverityHigh,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-22"},
		Description: "Replaces file-like values (names such as file, path, name, template, and values holding a dot or a slash; " +
			"path parameters too) with ../ sequences to /etc/passwd and C:\\Windows\\win.ini: plain, URL-encoded, " +
			"filter-evading (....//) and absolute. It reports when the answer holds the file's contents (root:x:0:0, [fonts]) " +
			"that the normal answer does not, confirmed by a second payload of another depth.",
		Remediation: "Resolve the name inside a fixed directory and refuse anything that escapes it:\n\n" +
			"```go\nroot, err := os.OpenRoot(\"/srv/files\") // Go 1.24+\nf, err := root.Open(name)              // fails on ../ and absolute paths\n```",
		References: []string{
			"https://owasp.org/www-community/attacks/Path_Traversal",
			"https://cwe.mitre.org/data/definitions/22.html",
		},
		Scope: check.PerOperation,
	}
}

// FileMarker matches the contents of /etc/passwd or win.ini.
var FileMarker = regexp.MustCompile(`root:[^:\r\n]*:0:0:|\[fonts\][\s\S]{0,200}\[extensions\]|; for 16-bit app support`)

// traversals returns the payloads for a depth of n directories.
func traversals(n int) []string {
	up := strings.Repeat("../", n)
	return []string{
		up + "etc/passwd",
		strings.ReplaceAll(up, "/", "%2f") + "etc%2fpasswd",
		strings.Repeat("....//", n) + "etc/passwd",
		"/etc/passwd",
		strings.Repeat("..%252f", n) + "etc%252fpasswd",
		strings.Repeat(`..\`, n) + `windows\win.ini`,
	}
}

var fileNames = regexp.MustCompile(`(?i)(file|path|name|doc|template|page|dir|folder|download|include|attach|image|img|src|resource|report|log|lang|locale|view|asset|key)`)

// Run probes file-like points.
func (c *Traversal) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	bresp, err := checkkit.Send(ctx, p, req.Clone())
	if bresp == nil || err != nil {
		return err
	}
	if FileMarker.Match(bresp.Body) {
		return nil
	}
	info := c.Info()
	n := 0
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.Kind != "string" || !(fileNames.MatchString(pt.Leaf()) || strings.ContainsAny(pt.Value, "./\\") || pt.In == checkkit.InPath) {
			continue
		}
		if n++; n > maxPoints {
			break
		}
		first, second := traversals(8), traversals(11)
		for i, payload := range first {
			r1, err := checkkit.Send(ctx, p, pt.With(req, payload))
			if err != nil {
				return err
			}
			if r1 == nil || !FileMarker.Match(r1.Body) {
				continue
			}
			confirm := second[i]
			if payload == "/etc/passwd" {
				confirm = "/etc/./passwd"
			}
			r2, err := checkkit.Send(ctx, p, pt.With(req, confirm))
			if err != nil {
				return err
			}
			if r2 == nil || !FileMarker.Match(r2.Body) {
				continue
			}
			p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
				fmt.Sprintf("Path traversal in %s of %s: %q read a system file", pt.Describe(), p.Op.Key(), payload),
				fmt.Sprintf("the answer holds %q; confirmed with %q", FileMarker.Find(r1.Body), confirm)))
			break
		}
	}
	return nil
}
