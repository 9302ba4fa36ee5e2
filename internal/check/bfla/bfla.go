package bfla

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

var references = []string{
	"https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
	"https://cwe.mitre.org/data/definitions/285.html",
	"https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html",
}

const remediation = "Deny by default and check the caller's role or permission in every handler (or in a " +
	"middleware bound to the route group), from the authenticated principal:\n\n" +
	"```go\nadmin := http.NewServeMux()\nadmin.HandleFunc(\"GET /admin/users\", listUsers)\n" +
	"mux.Handle(\"/admin/\", requireRole(\"admin\", admin)) // the whole group, not handler by handler\n```\n\n" +
	"Answer 405 for methods a route does not serve, and keep administrative functions on a separate, " +
	"separately authorized API where you can."

// FunctionLevel is ESC-DAST-BFLA-001.
type FunctionLevel struct{}

var _ check.Check = FunctionLevel{}

// Info describes the check.
func (FunctionLevel) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-BFLA-001",
		Title:    "Privileged operation allowed for a non-privileged identity",
		Severity: escarp.SeverityHigh,
		OWASP:    "API5:2023",
		CWE:      []string{"CWE-285"},
		Description: "escarp infers privileged operations from the spec: path segments or tags such as admin, internal, " +
			"manage, staff or backoffice; summaries and descriptions saying \"admin only\", \"requires admin\", " +
			"\"internal use\"; security scopes such as admin or write:all. For each, it prepares a request as the " +
			"privileged identity and sends it as that identity (the baseline must succeed), then as a non-privileged " +
			"identity; a PUT or PATCH on an object that can be read writes back its current values, so nothing " +
			"changes. It reports when the non-privileged identity also gets 2xx with the same kind of answer (at " +
			"least 80% of the baseline's member names, no error envelope), confirmed by a second, freshly prepared request; " +
			"GET operations that also answer anonymously are left to ESC-DAST-AUTHN-001. DELETE is only sent on objects " +
			"the privileged identity created for the scan and is judged by reading the object back. Needs a privileged " +
			"identity (`privileged: true`) and a non-privileged one. 3 to 5 requests per privileged operation.",
		Remediation: remediation,
		References:  references,
		Scope:       check.PerOperation,
		Requires:    check.Requirements{Identities: 2, Privileged: true, Mutating: true},
	}
}

var (
	adminSegment = regexp.MustCompile(`(?i)^(admin|admins|administrator|administration|internal|manage|management|manager|` +
		`staff|superuser|sudo|backoffice|back-office|ops|root|moderation|moderator|sysadmin|console)$`)
	adminText = regexp.MustCompile(`(?i)(admin(istrator)?s?[ -]only|only (for |by )?(an? )?admin|requires? (an? |the )?admin|` +
		`admin(istrator)? (role|privileges?|rights|access|permission)|privileged (users?|role|identit)|staff[ -]only|` +
		`internal[ -]use|back[ -]?office)`)
	adminScope = regexp.MustCompile(`(?i)(^admin|:admin|admin:|write:all|^manage|:manage|superuser|^root$|:all$)`)
)

// privilegedOp reports whether the spec marks op as privileged, and why.
func privilegedOp(op *escarp.Operation) (string, bool) {
	for _, seg := range strings.Split(op.Path, "/") {
		if adminSegment.MatchString(seg) {
			return fmt.Sprintf("its path segment %q", seg), true
		}
	}
	for _, t := range op.Tags {
		if adminSegment.MatchString(t) {
			return fmt.Sprintf("its tag %q", t), true
		}
	}
	if m := adminText.FindString(op.Summary + " " + op.Description); m != "" {
		return fmt.Sprintf("its description (%q)", m), true
	}
	for _, req := range op.Security {
		for _, scopes := range req {
			for _, s := range scopes {
				if adminScope.MatchString(s) {
					return fmt.Sprintf("its required scope %q", s), true
				}
			}
		}
	}
	return "", false
}

// Run probes one operation.
func (c FunctionLevel) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil {
		return nil
	}
	why, ok := privilegedOp(op)
	if !ok {
		return nil
	}
	admin, ok := checkkit.Admin(p.Identities)
	users := checkkit.Users(p.Identities)
	if !ok || len(users) == 0 {
		return nil
	}
	user := users[0].Name
	if op.Method == http.MethodDelete {
		return c.delete(ctx, p, op, admin.Name, user, why)
	}
	req, skip, err := checkkit.Prepare(ctx, p, op, admin.Name)
	if skip {
		return err
	}
	if req, err = unchanged(ctx, p, req, admin.Name); err != nil {
		return err
	}
	base, err := p.Session.Do(ctx, checkkit.As(req, admin.Name))
	if err != nil || !base.OK() || checkkit.ErrorBody(base.Body) {
		return stop(ctx, err)
	}
	got, err := p.Session.Do(ctx, checkkit.As(req, user))
	if err != nil || !same(base, got) {
		return stop(ctx, err)
	}
	if op.Method == http.MethodGet {
		anon, err := p.Session.Do(ctx, checkkit.As(req, ""))
		if err != nil {
			return stop(ctx, err)
		}
		if same(base, anon) {
			return nil // public: ESC-DAST-AUTHN-001's business
		}
	}
	req2, skip, err := checkkit.Prepare(ctx, p, op, admin.Name)
	if skip {
		return err
	}
	if req2, err = unchanged(ctx, p, req2, admin.Name); err != nil {
		return err
	}
	got2, err := p.Session.Do(ctx, checkkit.As(req2, user))
	if err != nil || !same(base, got2) {
		return stop(ctx, err)
	}
	p.Report(check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s is privileged by %s, yet the non-privileged identity %q got HTTP %d with the same kind of answer as the "+
			"privileged identity %q (HTTP %d); a second request confirmed it (HTTP %d).",
		op.Key(), why, user, got.Status, admin.Name, base.Status, got2.Status)))
	return nil
}

// unchanged makes a PUT or PATCH on a privileged object a no-op: when the
// object can be read, its current values (the members the request schema
// documents) replace the generated ones, so neither the baseline nor the
// non-privileged attempt changes the settings they write.
func unchanged(ctx context.Context, p *check.Pass, req *check.Request, admin string) (*check.Request, error) {
	if req.Method != http.MethodPut && req.Method != http.MethodPatch {
		return req, nil
	}
	read, ok := checkkit.Reader(p.API, req, nil, admin)
	if !ok {
		return req, nil
	}
	cur, err := p.Session.Do(ctx, read)
	if err != nil || !cur.OK() {
		return req, stop(ctx, err)
	}
	obj := checkkit.Object(cur.Body)
	if obj == nil {
		return req, nil
	}
	props, open := checkkit.Properties(checkkit.RequestSchema(req.Op))
	keep := map[string]any{}
	for k, v := range obj {
		if ps, ok := props[k]; (ok && !ps.ReadOnly) || (len(props) == 0 && open) {
			keep[k] = v
		}
	}
	if len(keep) == 0 {
		return req, nil
	}
	body, ok := checkkit.WithFields(req.Body, keep)
	if !ok {
		return req, nil
	}
	req = req.Clone()
	req.Body = body
	return req, nil
}

// same reports whether got is a success of the same kind as base.
func same(base, got *check.Response) bool {
	if !got.OK() || checkkit.ErrorBody(got.Body) {
		return false
	}
	if len(strings.TrimSpace(string(base.Body))) == 0 {
		return got.Status == base.Status
	}
	return checkkit.ShapeSimilarity(base.Body, got.Body) >= 0.8
}

func (c FunctionLevel) delete(ctx context.Context, p *check.Pass, op *escarp.Operation, admin, user, why string) error {
	req, _, skip, err := checkkit.Fresh(ctx, p, op, admin)
	if skip || err != nil {
		return err
	}
	read, ok := checkkit.Reader(p.API, req, nil, admin)
	if !ok {
		return nil
	}
	before, err := p.Session.Do(ctx, read)
	if err != nil || !before.OK() {
		return stop(ctx, err)
	}
	got, err := p.Session.Do(ctx, checkkit.As(req, user))
	if err != nil || !got.OK() || checkkit.ErrorBody(got.Body) {
		return stop(ctx, err)
	}
	after, err := p.Session.Do(ctx, read)
	if err != nil || (after.Status != http.StatusNotFound && after.Status != http.StatusGone) {
		return stop(ctx, err)
	}
	p.Report(check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s is privileged by %s, yet the non-privileged identity %q deleted an object the privileged identity %q "+
			"created (HTTP %d); reading it back now answers HTTP %d.", op.Key(), why, user, admin, got.Status, after.Status)))
	return nil
}

func stop(ctx context.Context, err error) error {
	if checkkit.Fatal(ctx, err) {
		return err
	}
	return nil
}
