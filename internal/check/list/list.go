// Package list is the explicit list of escarp's built-in DAST checks. The
// scan engine never imports checks; cmd/escarp hands it this list.
package list

import (
	"fmt"
	"strings"

	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/authn"
)

// All returns every built-in check in a stable order: authorization and
// authentication first, then injection, resource, misconfiguration,
// inventory and conformance checks.
func All() []check.Check {
	var all []check.Check
	all = append(all, authz()...)
	all = append(all, attack()...)
	return all
}

// Options tune the built-in checks.
type Options struct {
	// JWTWordlist holds more candidate HMAC keys for ESC-DAST-AUTHN-006.
	JWTWordlist []string
}

// With returns every built-in check (see [All]) tuned by o.
func With(o Options) []check.Check {
	all := All()
	for i, c := range all {
		if _, ok := c.(authn.WeakSecret); ok {
			all[i] = authn.WeakSecret{Wordlist: o.JWTWordlist}
		}
	}
	return all
}

// ByID returns the built-in check with the given id, or nil.
func ByID(id string) check.Check {
	for _, c := range All() {
		if strings.EqualFold(c.Info().ID, id) {
			return c
		}
	}
	return nil
}

// Validate checks a set of checks: unique, well-formed ids, a title, a
// severity, an OWASP category and at least one CWE each.
func Validate(checks []check.Check) error {
	seen := make(map[string]bool)
	for _, c := range checks {
		info := c.Info()
		switch {
		case !strings.HasPrefix(info.ID, "ESC-DAST-"):
			return fmt.Errorf("check %q: id must start with ESC-DAST-", info.ID)
		case seen[info.ID]:
			return fmt.Errorf("check %q: duplicate id", info.ID)
		case info.Title == "":
			return fmt.Errorf("check %q: no title", info.ID)
		case info.OWASP == "":
			return fmt.Errorf("check %q: no OWASP category", info.ID)
		case len(info.CWE) == 0:
			return fmt.Errorf("check %q: no CWE", info.ID)
		}
		seen[info.ID] = true
	}
	return nil
}
