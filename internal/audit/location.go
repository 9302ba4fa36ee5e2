package audit

import (
	"strconv"

	"github.com/escarp/escarp"
)

// At returns a location at pos with a JSON pointer.
func At(pos escarp.Position, pointer string) escarp.Location {
	return escarp.Location{Pointer: pointer}.At(pos)
}

// Root returns the location of the document root (line 1 of the root
// file when the loader gave no position), with pointer ptr ("" for the
// whole document, "/info", "/security"...).
func Root(api *escarp.API, ptr string) escarp.Location {
	pos := api.Pos
	if pos.File == "" {
		pos.File = api.Location
	}
	if pos.Line == 0 {
		pos.Line = 1
	}
	return At(pos, ptr)
}

// OpAt returns the location of operation op.
func OpAt(op *escarp.Operation) escarp.Location {
	l := At(op.Pos, op.Pointer)
	l.Method, l.Path = op.Method, op.Path
	return l
}

// ParamAt returns the location of parameter p of op (op may be nil).
func ParamAt(op *escarp.Operation, p *escarp.Parameter) escarp.Location {
	var l escarp.Location
	if op != nil {
		l = OpAt(op)
	}
	l = l.At(posOr(p.Pos, posOf(l)))
	l.Pointer = p.Pointer
	if l.Pointer == "" && op != nil {
		for i, q := range op.Parameters {
			if q == p {
				l.Pointer = op.Pointer + "/parameters/" + strconv.Itoa(i)
			}
		}
	}
	l.Param = p.In + ":" + p.Name
	return l
}

// SchemaAt returns the location of a schema use, with the operation that
// first uses it (for the logical location).
func SchemaAt(u *SchemaUse) escarp.Location {
	var l escarp.Location
	if u.Op != nil {
		l = OpAt(u.Op)
	}
	l = l.At(u.Pos)
	l.Pointer = u.Pointer
	return l
}

// PropertyAt returns the location of property name of the schema use u:
// the property's own schema when it is defined inline, else u's schema.
func PropertyAt(u *SchemaUse, name string) escarp.Location {
	l := SchemaAt(u)
	l.Pointer = u.Pointer + "/properties/" + EscapeToken(name)
	if p := u.Schema.Properties[name]; p != nil && p.Ref == "" && p.Pos.Line != 0 {
		l = l.At(p.Pos)
	}
	return l
}

// ResponseAt returns the location of response r of op.
func ResponseAt(op *escarp.Operation, r *escarp.Response) escarp.Location {
	l := OpAt(op)
	l = l.At(posOr(r.Pos, op.Pos))
	l.Pointer = r.Pointer
	if l.Pointer == "" {
		l.Pointer = op.Pointer + "/responses/" + EscapeToken(r.Status)
	}
	return l
}

// MediaAt returns the location of media type m under parent (a request
// body or response location).
func MediaAt(parent escarp.Location, m *escarp.MediaType) escarp.Location {
	l := parent.At(posOr(m.Pos, posOf(parent)))
	l.Pointer = m.Pointer
	if l.Pointer == "" {
		l.Pointer = parent.Pointer + "/content/" + EscapeToken(m.MediaType)
	}
	return l
}

// BodyAt returns the location of op's request body.
func BodyAt(op *escarp.Operation) escarp.Location {
	l := OpAt(op)
	b := op.RequestBody
	l = l.At(posOr(b.Pos, op.Pos))
	l.Pointer = b.Pointer
	if l.Pointer == "" {
		l.Pointer = op.Pointer + "/requestBody"
	}
	return l
}

// ServerAt returns the location of server s (api gives the fallback
// position).
func ServerAt(api *escarp.API, s *escarp.Server) escarp.Location {
	root := Root(api, "/servers")
	l := root.At(posOr(s.Pos, posOf(root)))
	if s.Pointer != "" {
		l.Pointer = s.Pointer
	}
	l.URL = s.URL
	return l
}

// SchemeAt returns the location of security scheme s.
func SchemeAt(api *escarp.API, s *escarp.SecurityScheme) escarp.Location {
	root := Root(api, "")
	l := root.At(posOr(s.Pos, posOf(root)))
	l.Pointer = s.Pointer
	if l.Pointer == "" {
		l.Pointer = "/components/securitySchemes/" + EscapeToken(s.Name)
	}
	return l
}

func posOf(l escarp.Location) escarp.Position {
	return escarp.Position{File: l.File, Line: l.Line, Column: l.Column}
}
