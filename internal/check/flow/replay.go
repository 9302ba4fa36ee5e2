package flow

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Replay is ESC-DAST-FLOW-002.
type Replay struct{}

var _ check.Check = Replay{}

// Info describes the check.
func (Replay) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-FLOW-002",
		Title:    "One-time action can be replayed",
		Severity: escarp.SeverityHigh,
		OWASP:    "API6:2023",
		CWE:      []string{"CWE-837", "CWE-841"},
		Description: "For POST, PUT and PATCH operations named or described as one-time actions (redeem, coupon, voucher, " +
			"promo, gift, reward, bonus, referral, vote, like, claim, transfer, withdraw, refund, confirm; or \"once\", " +
			"\"one-time\", \"single use\" in the summary), escarp snapshots the state it can read (the object's GET, or " +
			"the caller's /me, /account, /wallet or /balance), sends the same valid request twice as the same identity, " +
			"and reads the state after each. It reports when the second call also answers 2xx and changes the state " +
			"again (the read-back after the second call differs from the one after the first, or a numeric member of " +
			"the answer such as a balance moves again). When the first call fails (an earlier run used the action up), " +
			"a second non-privileged identity is tried. About 6 requests per operation.",
		Remediation: "Make one-time actions idempotent on the server: record the use in the same transaction as its " +
			"effect, with a uniqueness constraint, and answer 409 to a repeat:\n\n```go\n_, err := tx.ExecContext(ctx,\n    " +
			"`INSERT INTO redemptions (coupon, customer) VALUES ($1, $2)`, code, user) // UNIQUE (coupon, customer)\n" +
			"if isUniqueViolation(err) {\n    http.Error(w, \"coupon already redeemed\", http.StatusConflict)\n    return\n}\n" +
			"```\n\nAccept an Idempotency-Key header for payments and transfers.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/837.html"}, references...),
		Scope:      check.PerOperation,
		Requires:   check.Requirements{Identities: 1, Mutating: true},
	}
}

var (
	oneTimeName = regexp.MustCompile(`(?i)(redeem|redemption|coupon|voucher|promo|gift|reward|bonus|referral|vote|upvote|` +
		`like|claim|transfer|withdraw|refund|confirm|cashback|invite)`)
	oneTimeText = regexp.MustCompile(`(?i)(\bonce\b|one-time|one time|single[- ]use|only one|at most one)`)
	stateOps    = regexp.MustCompile(`(?i)/(me|account|wallet|balance|profile|credits|points)$`)
)

// Run probes one operation.
func (c Replay) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil {
		return nil
	}
	switch op.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	name := op.ID + " " + op.Path
	if !oneTimeName.MatchString(name) && !oneTimeText.MatchString(op.Summary+" "+op.Description) {
		return nil
	}
	users := checkkit.Users(p.Identities)
	if len(users) > 2 {
		users = users[:2]
	}
	for _, u := range users {
		done, err := c.try(ctx, p, op, u.Name)
		if done || err != nil {
			return err
		}
	}
	return nil
}

// try replays op as ident; done says the first call succeeded (so no other
// identity is needed), whatever the verdict.
func (c Replay) try(ctx context.Context, p *check.Pass, op *escarp.Operation, ident string) (bool, error) {
	// A fresh object when the action is on one (POST /bookings/{id}/coupon),
	// so that no other probe changed its state first.
	req, _, skip, err := checkkit.Fresh(ctx, p, op, ident)
	if skip || err != nil {
		return false, err
	}
	read, ok := checkkit.Reader(p.API, req, nil, ident)
	if !ok {
		read = stateReader(ctx, p, ident)
	}
	snapshot := func() (map[string]string, error) {
		if read == nil {
			return nil, nil
		}
		r, err := p.Session.Do(ctx, read)
		if err != nil || !r.OK() {
			return nil, stop(ctx, err)
		}
		return scalars(r.Body), nil
	}
	send := checkkit.As(req, ident)
	first, err := p.Session.Do(ctx, send)
	if err != nil || !first.OK() || checkkit.ErrorBody(first.Body) {
		return false, stop(ctx, err)
	}
	after1, err := snapshot()
	if err != nil {
		return true, err
	}
	second, err := p.Session.Do(ctx, send.Clone())
	if err != nil || !second.OK() || checkkit.ErrorBody(second.Body) {
		return true, stop(ctx, err)
	}
	after2, err := snapshot()
	if err != nil {
		return true, err
	}
	var evidence string
	confidence := escarp.ConfidenceHigh
	if after1 != nil && after2 != nil {
		if ch := changes(after1, after2); len(ch) > 0 {
			evidence = fmt.Sprintf("reading %s after each call shows %s changed again", read.Op.Key(), strings.Join(limit(ch, 3), ", "))
		}
	}
	if evidence == "" {
		if ch := changes(numeric(scalars(first.Body)), numeric(scalars(second.Body))); len(ch) > 0 {
			evidence = fmt.Sprintf("the second answer's %s moved again", strings.Join(limit(ch, 3), ", "))
			if read != nil {
				confidence = escarp.ConfidenceMedium // the read-back did not show it
			}
		}
	}
	if evidence == "" {
		return true, nil
	}
	f := check.NewFinding(c.Info(), second, fmt.Sprintf(
		"%s is a one-time action, yet the identity %q called it twice with the same request and both calls succeeded "+
			"(HTTP %d, then %d); %s.", op.Key(), ident, first.Status, second.Status, evidence))
	f.Confidence = confidence
	p.Report(f)
	return true, nil
}

// stateReader returns a GET on the caller's account state (/me, /account,
// /wallet, /balance), or nil.
func stateReader(ctx context.Context, p *check.Pass, ident string) *check.Request {
	for _, o := range p.API.Operations {
		if o.Method != http.MethodGet || len(escarp.ParsePathTemplate(o.Path).Params()) > 0 || !stateOps.MatchString(o.Path) {
			continue
		}
		req, skip, _ := checkkit.Prepare(ctx, p, o, ident)
		if !skip {
			return checkkit.As(req, ident)
		}
	}
	return nil
}
