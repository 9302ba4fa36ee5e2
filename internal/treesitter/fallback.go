//go:build !cgo || notreesitter

package treesitter

import (
	"context"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
)

// unavailableNote is the note of a build without tree-sitter.
const unavailableNote = "JavaScript/TypeScript and Python analysis is not in this build: it needs cgo (built with CGO_ENABLED=0 or -tags notreesitter)"

// Available reports whether this build can analyse JavaScript/TypeScript and
// Python; it is false in a build without cgo or with the notreesitter tag.
const Available = false

// Scan returns an empty run with a note: this build has no tree-sitter.
func Scan(ctx context.Context, root string, opt Options) (*escarp.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	return &escarp.Run{Engine: escarp.EngineCode, Target: root, StartedAt: now, FinishedAt: now,
		Rules: Rules(), Findings: []escarp.Finding{}, Notes: []string{unavailableNote}}, nil
}

// Routes returns no routes and a note: this build has no tree-sitter.
func Routes(ctx context.Context, root string) ([]routes.Route, []string, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return nil, []string{unavailableNote}, nil
}
