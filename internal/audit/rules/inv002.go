package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// environmentWords name deployment environments.
var environmentWords = map[string]bool{
	"local": true, "localhost": true, "sandbox": true, "alpha": true, "beta": true, "test": true, "testing": true,
	"staging": true, "stage": true, "prod": true, "production": true, "next": true, "preprod": true,
	"dev": true, "development": true, "qa": true, "uat": true, "demo": true, "live": true, "preview": true,
	"integration": true, "canary": true, "mock": true,
}

// ServerEnvironment reports servers whose description names no
// environment.
var ServerEnvironment = &audit.Rule{
	ID:       "ESC-INV-002",
	Title:    "Server description does not name the environment",
	Severity: escarp.SeverityLow,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeInventory,
	Aliases:  []string{"owasp:api9:2023-inventory-environment"},
	Doc: `A server's description does not say which environment it is
(production, staging, sandbox, development...). Without that, test
deployments with weaker controls and real data are indistinguishable from
production in inventories, and get forgotten (zombie APIs).

How to fix: name the environment in every server description.

Before:

    servers:
      - url: https://api-2.acme.io

After:

    servers:
      - url: https://api-2.acme.io
        description: staging`,
	Run: func(p *audit.Pass) error {
		if p.API.Format == escarp.FormatSwagger {
			return nil
		}
		for _, s := range p.API.Servers {
			if s == nil {
				continue
			}
			named := false
			for _, w := range words(s.Description) {
				named = named || environmentWords[w]
			}
			if !named {
				p.Reportf(audit.ServerAt(p.API, s), "server %s does not name its environment in its description", s.URL)
			}
		}
		return nil
	},
}
