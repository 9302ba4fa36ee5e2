package injection

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Command is ESC-DAST-INJ-003: OS command injection.
type Command struct {
	// Delay is what time-based payloads sleep (default [DefaultDelay]).
	Delay time.Duration
}

var _ check.Check = (*Command)(nil)

// Info returns the check's metadata.
func (c *Command) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INJ-003",
		Title:    "OS command injection",
		Severity: escarp.SeverityCritical,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-78"},
		Description: "Appends shell commands to string values after each shell separator (; | && newline $( ) and backquotes). " +
			"Output-based: `echo` of a random marker written so that only a shell produces it (esc''arp<token> prints escarp<token>), found in the answer, twice with fresh markers. " +
			"Time-based: `sleep` must delay the answer by at least 80% of the delay twice while `sleep 0` does not.",
		Remediation: "Do not run a shell; pass arguments as a list and validate them against an allow-list:\n\n" +
			"```go\nif net.ParseIP(host) == nil { return errBadHost }\nout, err := exec.CommandContext(ctx, \"ping\", \"-c\", \"1\", \"--\", host).Output()\n```",
		References: []string{
			"https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html",
			"https://cwe.mitre.org/data/definitions/78.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// separators wrap a command so that a shell runs it after the value.
var separators = []struct{ pre, post string }{
	{";", ""}, {"|", ""}, {"&&", ""}, {"\n", ""}, {"$(", ")"}, {"`", "`"}, {"||", ""},
}

// Run probes every string point.
func (c *Command) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	base, bresp, ok, err := checkkit.Baseline(ctx, p, req, 2)
	if !ok || err != nil {
		return err
	}
	delay := c.Delay
	if delay <= 0 {
		delay = DefaultDelay
	}
	info := c.Info()
	n := 0
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.Kind != "string" {
			continue
		}
		if n++; n > maxPoints {
			break
		}
		found := false
		for _, sep := range separators {
			payload := func(tok string) string { return pt.Value + sep.pre + "echo esc''arp" + tok + sep.post }
			tok := checkkit.Token(5)
			r1, err := checkkit.Send(ctx, p, pt.With(req, payload(tok)))
			if err != nil {
				return err
			}
			if r1 == nil || !bytes.Contains(r1.Body, []byte("escarp"+tok)) || bytes.Contains(bresp.Body, []byte("escarp"+tok)) {
				continue
			}
			tok2 := checkkit.Token(5)
			r2, err := checkkit.Send(ctx, p, pt.With(req, payload(tok2)))
			if err != nil {
				return err
			}
			if r2 == nil || !bytes.Contains(r2.Body, []byte("escarp"+tok2)) {
				continue
			}
			p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
				fmt.Sprintf("OS command injection in %s of %s: a shell ran the injected echo", pt.Describe(), p.Op.Key()),
				fmt.Sprintf("output-based: payload %q printed escarp%s; confirmed with a fresh marker", payload(tok), tok)))
			found = true
			break
		}
		if found {
			continue
		}
		for _, sep := range separators {
			if sep.pre == "&&" || sep.pre == "||" {
				continue // ; and newline reach the same places without a condition
			}
			mk := func(d time.Duration) *check.Request {
				return pt.With(req, pt.Value+sep.pre+"sleep "+seconds(d)+sep.post)
			}
			resp, note, ok, err := checkkit.DelayProbe(ctx, p, mk, delay, base)
			if err != nil {
				return err
			}
			if ok {
				p.Report(checkkit.Finding(info, p.Op, resp, pt.Param(),
					fmt.Sprintf("OS command injection in %s of %s: an injected sleep delays the answer", pt.Describe(), p.Op.Key()),
					fmt.Sprintf("time-based: payload %q; %s", pt.Value+sep.pre+"sleep "+seconds(delay)+sep.post, note)))
				break
			}
		}
	}
	return nil
}
