package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

var (
	writeScopeWords = map[string]bool{"write": true, "delete": true, "admin": true, "manage": true,
		"create": true, "update": true, "modify": true, "edit": true}
	readScopeWords = map[string]bool{"read": true, "view": true, "readonly": true, "get": true, "list": true}
)

// scopeKind says whether a scope name reads as a write or a read scope.
func scopeKind(scope string) (write, read bool) {
	for _, w := range words(strings.NewReplacer(":", " ", "/", " ").Replace(scope)) {
		for _, part := range strings.Fields(w) {
			write = write || writeScopeWords[part]
			read = read || readScopeWords[part]
		}
	}
	return write, read
}

// ScopeMethodMismatch reports requirements whose scopes do not fit the
// method: only write scopes on a read, only read scopes on a write.
var ScopeMethodMismatch = &audit.Rule{
	ID:        "ESC-AUTHZ-003",
	Title:     "Scopes do not match the operation's method",
	Severity:  escarp.SeverityMedium,
	OWASP:     "API5:2023",
	CWE:       []string{"CWE-285"},
	Theme:     audit.ThemeAuthorization,
	Heuristic: true,
	Doc: `A read operation (GET, HEAD) requires only write-like scopes
(write, delete, admin...), or a write operation requires only read-like
scopes (read, view...). The second lets a read-only token change data;
the first usually means scopes were copied between operations and the
model of who may do what is not enforced as intended.

How to fix: require scopes that match what the operation does.

Before:

    delete:
      security:
        - oauth2: [orders:read]

After:

    delete:
      security:
        - oauth2: [orders:write]`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			readOp, writeOp := isRead(op.Method), isWrite(op.Method)
			if !readOp && !writeOp {
				continue
			}
			for i, r := range op.Security {
				for _, n := range schemeNames(r) {
					scopes := r[n]
					if len(scopes) == 0 {
						continue
					}
					allWrite, allRead := true, true
					for _, sc := range scopes {
						w, rd := scopeKind(sc)
						allWrite = allWrite && w && !rd
						allRead = allRead && rd && !w
					}
					switch {
					case readOp && allWrite:
						p.Reportf(requirementAt(p, op, i, n), "read operation %s requires only write scopes (%s)", op.Key(), strings.Join(scopes, ", "))
					case writeOp && allRead:
						p.Reportf(requirementAt(p, op, i, n), "write operation %s requires only read scopes (%s)", op.Key(), strings.Join(scopes, ", "))
					}
				}
			}
		}
		return nil
	},
}
