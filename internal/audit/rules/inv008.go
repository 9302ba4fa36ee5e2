package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// Documentation reports a missing owner contact and undocumented
// operations.
var Documentation = &audit.Rule{
	ID:       "ESC-INV-008",
	Title:    "Missing owner contact or operation description",
	Severity: escarp.SeverityInfo,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeInventory,
	Aliases:  []string{"info-contact", "operation-description"},
	Doc: `The document names no owner (info.contact with a name, email or URL), or
an operation has neither summary nor description. Security findings,
incidents and deprecations need someone to go to, and reviewers cannot
judge what an undocumented operation should allow.

How to fix: name the owning team and describe every operation.

Before:

    info: {title: Orders, version: 1.0.0}

After:

    info:
      title: Orders
      version: 1.0.0
      contact: {name: Orders team, email: orders@acme.io}`,
	Run: func(p *audit.Pass) error {
		api := p.API
		c := api.Contact
		if c == nil || (c.Name == "" && c.Email == "" && c.URL == "") {
			p.Reportf(p.Root("/info/contact"), "the document names no owner (info.contact)")
		}
		for _, op := range api.Operations {
			if strings.TrimSpace(op.Summary) == "" && strings.TrimSpace(op.Description) == "" {
				p.Reportf(audit.OpAt(op), "%s has neither summary nor description", op.Key())
			}
		}
		return nil
	},
}
