package specload

import (
	"context"

	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/spec/openapi"
)

// schemaProblems returns the document's OpenAPI-schema violations as
// problems. A validation that cannot run is not a finding: it returns none.
func schemaProblems(ctx context.Context, doc *openapi.Document) []audit.Problem {
	errs, err := openapi.SchemaErrors(ctx, doc)
	if err != nil {
		return nil
	}
	out := make([]audit.Problem, 0, len(errs))
	for _, e := range errs {
		out = append(out, audit.Problem{Kind: audit.ProblemSchema, Pos: e.Pos, Pointer: e.Pointer, Message: e.Message})
	}
	return out
}
