package policy

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/escarp/escarp"
)

// TestResult is the outcome of one Rego test rule (test_*), as `opa test`
// reports it.
type TestResult struct {
	Package string          `json:"package"`
	Name    string          `json:"name"`
	Pos     escarp.Position `json:"pos"`
	Pass    bool            `json:"pass"`
	Skip    bool            `json:"skip,omitempty"`
	// Error is set when the test could not be evaluated.
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"durationNs"`
}

// String is one line: "PASS data.pkg.test_x (file:line)".
func (r TestResult) String() string {
	verdict := "PASS"
	switch {
	case r.Error != "":
		verdict = "ERROR"
	case r.Skip:
		verdict = "SKIP"
	case !r.Pass:
		verdict = "FAIL"
	}
	s := fmt.Sprintf("%-5s data.%s.%s (%s)", verdict, r.Package, r.Name, r.Pos)
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}

// RunTests runs the Rego unit tests (rules named test_*) of the policies
// under opts.Dirs, with the built-in packs and their library loaded so
// tests may use them, the way `opa test` does. The data document holds
// the packs' parameters under data.escarp.params. With no test at all the
// result is empty.
func RunTests(ctx context.Context, opts Options) ([]TestResult, error) {
	files, err := parseFiles(opts, true)
	if err != nil {
		return nil, err
	}
	mods := map[string]*ast.Module{}
	for _, f := range files {
		mods[f.name] = f.module
	}
	params := DefaultParams()
	for k, v := range opts.Params {
		params[k] = v
	}
	store := inmem.NewFromObject(map[string]any{"escarp": map[string]any{"params": params}})
	ch, err := tester.NewRunner().SetModules(mods).SetStore(store).SetTimeout(30*time.Second).RunTests(ctx, nil)
	if err != nil {
		return nil, parseErrorAny(err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Package: r.Package, Name: r.Name, Pass: r.Pass(), Skip: r.Skip, Duration: r.Duration}
		tr.Package = trimData(tr.Package)
		if r.Location != nil {
			tr.Pos = escarp.Position{File: r.Location.File, Line: r.Location.Row}
		}
		if r.Error != nil {
			tr.Error = r.Error.Error()
			tr.Pass = false
		}
		out = append(out, tr)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pos.File != out[j].Pos.File {
			return out[i].Pos.File < out[j].Pos.File
		}
		return out[i].Pos.Line < out[j].Pos.Line
	})
	return out, nil
}

func trimData(p string) string {
	if len(p) > 5 && p[:5] == "data." {
		return p[5:]
	}
	return p
}

// parseErrorAny turns a compile error of the tester into an Invalid error
// at its place.
func parseErrorAny(err error) error {
	if errs, ok := err.(ast.Errors); ok && len(errs) > 0 && errs[0].Location != nil {
		e := errs[0]
		return escarp.InvalidAt(escarp.Position{File: e.Location.File, Line: e.Location.Row, Column: e.Location.Col}, "%s", e.Message)
	}
	return &escarp.Error{Op: "policy.RunTests", Kind: escarp.Invalid, Message: "compile policies", Err: err}
}
