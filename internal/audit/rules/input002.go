package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// broadPatterns are patterns that accept (almost) anything.
var broadPatterns = map[string]bool{
	".*": true, "^.*$": true, ".+": true, "^.+$": true, "[\\s\\S]*": true, "^[\\s\\S]*$": true,
	"(.*)": true, "^(.*)$": true, ".*?": true, "[^]*": true, "\\S*": true, "^\\S*$": true,
}

// StringRestricted reports request strings with no pattern, format, enum
// or const, or with a pattern that accepts anything.
var StringRestricted = &audit.Rule{
	ID:       "ESC-INPUT-002",
	Title:    "String input without pattern, format or enum",
	Severity: escarp.SeverityLow,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-20"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"owasp:api4:2023-string-restricted", "owasp-string-restricted"},
	Doc: `A string in a parameter or request body accepts any characters: it has no
pattern, format, enum or const, or its pattern matches everything (".*").
Allow-listing the expected shape at the edge blocks injection payloads
before they reach code, and documents the contract.

How to fix: add a format, an enum, or an anchored pattern.

Before:

    sku:
      type: string
      maxLength: 12

After:

    sku:
      type: string
      maxLength: 12
      pattern: "^[A-Z]{3}-[0-9]{6}$"`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			if !u.In(audit.InRequest) || !isString(s) || enumerated(s) {
				continue
			}
			switch {
			case s.Pattern != "" && broadPatterns[strings.TrimSpace(s.Pattern)]:
				p.Reportf(audit.SchemaAt(u), "string input pattern %q accepts anything", s.Pattern)
			case s.Pattern == "" && s.Format == "":
				p.Reportf(audit.SchemaAt(u), "string input has no pattern, format or enum")
			}
		}
		return nil
	},
}
