package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// serverManaged are property names (squashed) the server, not the client,
// sets.
var serverManaged = map[string]bool{
	"id": true, "createdat": true, "updatedat": true, "created": true, "modified": true,
	"createdby": true, "updatedby": true, "createdon": true, "updatedon": true, "deletedat": true,
}

// ReadOnlyWriteOnly reports schemas both readOnly and writeOnly, and
// server-managed properties a client may write.
var ReadOnlyWriteOnly = &audit.Rule{
	ID:        "ESC-INPUT-011",
	Title:     "readOnly and writeOnly misused",
	Severity:  escarp.SeverityLow,
	OWASP:     "API3:2023",
	CWE:       []string{"CWE-915"},
	Theme:     audit.ThemeInput,
	Heuristic: true,
	Doc: `A schema is both readOnly and writeOnly (so it is never valid anywhere),
or a schema used in both requests and responses has a server-managed
property (id, createdAt, updatedAt, createdBy...) that is not readOnly.
Clients may then set fields only the server should set, a mass-assignment
path.

How to fix: mark server-managed properties readOnly (and reject them on
input), and never combine readOnly with writeOnly.

Before:

    User:
      properties:
        id: {type: string, format: uuid}

After:

    User:
      properties:
        id: {type: string, format: uuid, readOnly: true}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			if s.ReadOnly && s.WriteOnly {
				p.Reportf(audit.SchemaAt(u), "schema is both readOnly and writeOnly")
			}
			if !u.In(audit.InRequestBody) || !u.In(audit.InResponse) {
				continue
			}
			for _, name := range s.SortedPropertyNames() {
				ps := s.Properties[name]
				if ps != nil && serverManaged[squash(name)] && !ps.ReadOnly {
					p.Reportf(audit.PropertyAt(u, name), "server-managed property %q is writable: mark it readOnly", name)
				}
			}
		}
		return nil
	},
}
