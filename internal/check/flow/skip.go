package flow

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

var references = []string{
	"https://owasp.org/API-Security/editions/2023/en/0xa6-unrestricted-access-to-sensitive-business-flows/",
	"https://cwe.mitre.org/data/definitions/841.html",
	"https://cwe.mitre.org/data/definitions/840.html",
}

// StepSkip is ESC-DAST-FLOW-001.
type StepSkip struct{}

var _ check.Check = StepSkip{}

// Info describes the check.
func (StepSkip) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-FLOW-001",
		Title:    "Step of a multi-step flow can be skipped",
		Severity: escarp.SeverityHigh,
		OWASP:    "API6:2023",
		CWE:      []string{"CWE-841"},
		Description: "escarp orders the action operations of an object by their names (cart, add → checkout, submit, " +
			"verify → pay, charge, authorize → confirm, complete, ship, capture, execute) and by descriptions that " +
			"mention an earlier step (\"Confirm a paid order\"). For each later step with an earlier sibling " +
			"(`POST /orders/{id}/pay` before `POST /orders/{id}/confirm`), it creates a fresh object through the " +
			"collection's POST when it can, reads it, calls the later step directly, and reads it again. It reports " +
			"when the step answers 2xx and the object's state changed (a status, state or stage member first), and " +
			"confirms on a second fresh object. Without a GET to read the object back it does not report. About 6 " +
			"requests per later step.",
		Remediation: "Model the flow as a state machine on the server and check the current state in every step, in " +
			"the same transaction that changes it:\n\n```go\nres, err := db.ExecContext(ctx,\n    `UPDATE orders SET " +
			"status = 'confirmed' WHERE id = $1 AND owner = $2 AND status = 'paid'`, id, user)\n" +
			"if n, _ := res.RowsAffected(); n == 0 {\n    http.Error(w, \"order is not paid\", http.StatusConflict)\n    " +
			"return\n}\n```\n\nNever trust the client to have called the earlier steps.",
		References: references,
		Scope:      check.PerOperation,
		Requires:   check.Requirements{Identities: 1, Mutating: true},
	}
}

// stages ranks action names: a step of a higher rank comes after the
// lower ones.
var stages = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^(cart|basket|items?|add|reserve|reservation|hold|draft|quote)$`),
	regexp.MustCompile(`(?i)^(checkout|check-out|submit|review|verify|verification|validate|otp|2fa|mfa)$`),
	regexp.MustCompile(`(?i)^(pay|payment|payments|charge|purchase|authorize|authorise|deposit|sign)$`),
	regexp.MustCompile(`(?i)^(confirm|confirmation|complete|completion|finalize|finalise|fulfil|fulfill|fulfillment|ship|` +
		`shipment|capture|activate|deliver|release|execute|approve|close|finish|dispatch|redeem)$`),
}

// earlierWords are what a description says of a state reached by an
// earlier step, per rank.
var earlierWords = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(in the cart|added|reserved|drafted)\b`),
	regexp.MustCompile(`(?i)\b(checked out|submitted|reviewed|verified|validated)\b`),
	regexp.MustCompile(`(?i)\b(paid|payment|charged|purchased|authori[sz]ed)\b`),
}

func rank(seg string) int {
	for i, re := range stages {
		if re.MatchString(seg) {
			return i
		}
	}
	return -1
}

// earlier returns the lower-ranked sibling actions of op (same parent
// path), or, when the description names an earlier state, any operation of
// that rank; and why op is a later step.
func earlier(api *escarp.API, op *escarp.Operation) ([]*escarp.Operation, string) {
	if req := required(api, op); len(req) > 0 {
		return req, fmt.Sprintf("the spec says it requires %s first (x-escarp-requires)", req[0].Key())
	}
	last := escarp.ParsePathTemplate(op.Path).Last()
	r := rank(last.Text)
	if r <= 0 || last.Param != "" {
		return nil, ""
	}
	parent := path.Dir(op.Path)
	var sib []*escarp.Operation
	for _, o := range api.Operations {
		if o == op || o.Method == http.MethodGet || path.Dir(o.Path) != parent {
			continue
		}
		if rr := rank(escarp.ParsePathTemplate(o.Path).Last().Text); rr >= 0 && rr < r {
			sib = append(sib, o)
		}
	}
	if len(sib) > 0 {
		return sib, fmt.Sprintf("%s comes before %s", sib[0].Key(), op.Key())
	}
	text := op.Summary + " " + op.Description
	for i := r - 1; i >= 0; i-- {
		if m := earlierWords[i].FindString(text); m != "" {
			for _, o := range api.Operations {
				if o != op && o.Method != http.MethodGet && rank(escarp.ParsePathTemplate(o.Path).Last().Text) == i {
					return []*escarp.Operation{o}, fmt.Sprintf("its description requires a %q object", m)
				}
			}
		}
	}
	return nil, ""
}

// required returns the operations an x-escarp-requires extension (a list
// of operationIds) names as earlier steps of op.
func required(api *escarp.API, op *escarp.Operation) []*escarp.Operation {
	raw, ok := op.Extensions["x-escarp-requires"]
	if !ok {
		return nil
	}
	var ids []string
	switch x := raw.(type) {
	case []any:
		for _, v := range x {
			if s, ok := v.(string); ok {
				ids = append(ids, s)
			}
		}
	case []string:
		ids = x
	case string:
		ids = []string{x}
	}
	var out []*escarp.Operation
	for _, id := range ids {
		for _, o := range api.Operations {
			if o.ID == id && o != op {
				out = append(out, o)
			}
		}
	}
	return out
}

// Run probes one operation.
func (c StepSkip) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || op.Method == http.MethodGet || op.Method == http.MethodDelete {
		return nil
	}
	prior, why := earlier(p.API, op)
	if len(prior) == 0 {
		return nil
	}
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	attempt := func() (*check.Response, []string, error) {
		req, err := fresh(ctx, p, op, ident)
		if err != nil || req == nil {
			return nil, nil, err
		}
		read, ok := checkkit.Reader(p.API, req, nil, ident)
		if !ok {
			return nil, nil, nil
		}
		before, err := p.Session.Do(ctx, read)
		if err != nil || !before.OK() {
			return nil, nil, stop(ctx, err)
		}
		got, err := p.Session.Do(ctx, checkkit.As(req, ident))
		if err != nil || !got.OK() || checkkit.ErrorBody(got.Body) {
			return nil, nil, stop(ctx, err)
		}
		after, err := p.Session.Do(ctx, read)
		if err != nil || !after.OK() {
			return nil, nil, stop(ctx, err)
		}
		return got, changes(scalars(before.Body), scalars(after.Body)), nil
	}
	got, changed, err := attempt()
	if err != nil || len(changed) == 0 {
		return err
	}
	got2, changed2, err := attempt()
	if err != nil || len(changed2) == 0 {
		return err
	}
	steps := make([]string, len(prior))
	for i, o := range prior {
		steps[i] = o.Key()
	}
	f := check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s succeeded (HTTP %d) on an object whose earlier step (%s) was never called, and changed %s; %s. A second "+
			"fresh object confirmed it (HTTP %d).", op.Key(), got.Status, strings.Join(steps, ", "),
		strings.Join(limit(changed, 3), ", "), why, got2.Status))
	p.Report(f)
	return nil
}

// fresh returns a request for op on an object created just now (so that
// no other step ran on it), else the engine's prepared request.
func fresh(ctx context.Context, p *check.Pass, op *escarp.Operation, ident string) (*check.Request, error) {
	req, _, skip, err := checkkit.Fresh(ctx, p, op, ident)
	if skip {
		return nil, err
	}
	return req, err
}

func limit(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func stop(ctx context.Context, err error) error {
	if checkkit.Fatal(ctx, err) {
		return err
	}
	return nil
}
