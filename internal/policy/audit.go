package policy

import (
	"context"
	"fmt"
	"sync"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// AuditRules loads the user's Rego rules under opts.Dirs (the built-in
// packs are left out) as audit rules, so they run in `escarp audit` with
// their ids (policy:<package>.<rule>) beside the built-in ones. The
// policies read the same input document as `escarp policy eval`, with the
// API being audited. custom.theme in a rule's metadata names its audit
// theme (default "inventory").
//
// The adapter implements internal/audit's rule contract, so the audit
// engine never links OPA.
func AuditRules(ctx context.Context, opts Options) ([]*audit.Rule, error) {
	opts.NoBuiltin = true
	set, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	ev := &auditEval{set: set, ctx: ctx, results: map[*escarp.API]*auditResult{}}
	var out []*audit.Rule
	for _, r := range set.Rules {
		doc := r.Description
		if doc == "" {
			doc = fmt.Sprintf("Rego rule %s.%s (%s).", r.Package, r.Name, r.Pos)
		}
		if r.Rationale != "" {
			doc += "\n\nRationale: " + r.Rationale
		}
		if r.Remediation != "" {
			doc += "\n\nHow to fix: " + r.Remediation
		}
		id := r.ID
		theme := audit.ThemeInventory
		if r.Theme != "" {
			theme = audit.Theme(r.Theme)
			if !knownTheme(theme) {
				return nil, escarp.InvalidAt(r.Pos, "%s: custom.theme %q: want one of the audit themes (authentication, authorization, transport, input validation, data exposure, rate limiting, errors, inventory, spec integrity)", id, r.Theme)
			}
		}
		out = append(out, &audit.Rule{
			ID: id, Title: r.Title, Doc: doc, Severity: r.Severity, OWASP: r.OWASP, CWE: r.CWE,
			Theme: theme,
			Run: func(p *audit.Pass) error {
				fs, err := ev.eval(p.API)
				if err != nil {
					return err
				}
				for _, f := range fs {
					if f.RuleID == id {
						p.Report(escarp.Finding{Severity: f.Severity, Message: f.Message, Location: f.Location})
					}
				}
				return nil
			},
		})
	}
	return out, nil
}

func knownTheme(t audit.Theme) bool {
	for _, ti := range audit.Themes {
		if ti.Theme == t {
			return true
		}
	}
	return false
}

// auditEval evaluates the policies once per audited API, for all rules.
type auditEval struct {
	set     *Set
	ctx     context.Context
	mu      sync.Mutex
	results map[*escarp.API]*auditResult
}

type auditResult struct {
	once     sync.Once
	findings []escarp.Finding
	err      error
}

func (e *auditEval) eval(api *escarp.API) ([]escarp.Finding, error) {
	e.mu.Lock()
	r := e.results[api]
	if r == nil {
		r = &auditResult{}
		e.results[api] = r
	}
	e.mu.Unlock()
	r.once.Do(func() { r.findings, r.err = e.set.Eval(e.ctx, &Input{API: api}) })
	return r.findings, r.err
}
