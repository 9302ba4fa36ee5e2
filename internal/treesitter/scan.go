//go:build cgo && !notreesitter

package treesitter

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/escarp/escarp"
)

// Available reports whether this build can analyse JavaScript/TypeScript and
// Python; it is true in a cgo build without the notreesitter tag.
const Available = true

// Scan analyses the JavaScript/TypeScript and Python files under root (a
// directory or one file) for SQL and command injection. A root that cannot
// be read is an *escarp.Error of kind Invalid; a file that cannot be read,
// or has syntax errors, is a note.
func Scan(ctx context.Context, root string, opt Options) (*escarp.Run, error) {
	run := &escarp.Run{Engine: escarp.EngineCode, Target: root, StartedAt: time.Now().UTC(),
		Rules: Rules(), Findings: []escarp.Finding{}}
	var js, py int64
	p, err := load(ctx, "treesitter.Scan", root, opt.Exclude, func(f *file) {
		if f.lang.python() {
			py++
		} else {
			js++
		}
		run.Findings = append(run.Findings, analyzeFile(f)...)
	})
	if err != nil {
		return nil, err
	}
	run.Notes = append(run.Notes, p.notes...)
	slices.SortStableFunc(run.Findings, func(a, b escarp.Finding) int {
		return cmp.Or(cmp.Compare(a.Location.File, b.Location.File), cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(a.RuleID, b.RuleID))
	})
	run.Stats = map[string]int64{"files": js + py, "javascriptFiles": js, "pythonFiles": py, "parseErrors": int64(p.errors)}
	run.FinishedAt = time.Now().UTC()
	run.Stats["durationMs"] = run.FinishedAt.Sub(run.StartedAt).Milliseconds()
	return run, nil
}
