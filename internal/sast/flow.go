package sast

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/ssa"

	"github.com/escarp/escarp"
)

// path returns the AST path enclosing pos, innermost first.
func (e *engine) astPath(pos token.Pos) []ast.Node {
	tf := e.fset.File(pos)
	if tf == nil {
		return nil
	}
	f := e.files[tf]
	if f == nil {
		return nil
	}
	path, _ := astutil.PathEnclosingInterval(f, pos, pos)
	return path
}

// sourceText renders the request-data expression at pos, as written:
// r.URL.Query().Get("id"), mux.Vars(r)["ref"], c.ShouldBindJSON(&req).
func (e *engine) sourceText(pos token.Pos) string {
	path := e.astPath(pos)
	var cur ast.Expr
	for i, n := range path {
		x, ok := n.(ast.Expr)
		if !ok {
			break
		}
		if cur == nil {
			if _, ok := x.(*ast.Ident); ok {
				continue
			}
			cur = x
			continue
		}
		parentOK := false
		switch p := x.(type) {
		case *ast.SelectorExpr:
			parentOK = p.X == cur
		case *ast.CallExpr:
			parentOK = p.Fun == cur || (i > 0 && path[i-1] == p.Fun)
		case *ast.IndexExpr:
			parentOK = p.X == cur
		case *ast.ParenExpr, *ast.StarExpr:
			parentOK = true
		}
		if !parentOK {
			break
		}
		cur = x
	}
	if cur == nil {
		return "request data"
	}
	return shorten(types.ExprString(cur))
}

// sinkText renders the callee of the sink call at pos: "s.DB.QueryRow (sink)".
func (e *engine) sinkText(pos token.Pos, key string) string {
	for _, n := range e.astPath(pos) {
		if call, ok := n.(*ast.CallExpr); ok && call.Lparen == pos {
			return shorten(types.ExprString(call.Fun)) + " (sink)"
		}
	}
	return key + " (sink)"
}

// callStart returns the start of the call expression whose '(' is at pos,
// or pos.
func (e *engine) callStart(pos token.Pos) token.Pos {
	for _, n := range e.astPath(pos) {
		if call, ok := n.(*ast.CallExpr); ok && call.Lparen == pos {
			return call.Pos()
		}
	}
	return pos
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// location converts pos into a Location relative to the scan root.
func (e *engine) location(pos token.Pos, msg string) escarp.Location {
	p := e.fset.Position(pos)
	return escarp.Location{File: e.src.rel(p.Filename), Line: p.Line, Column: p.Column,
		Snippet: e.src.line(p.Filename, p.Line), Message: msg}
}

// finding builds the finding of a flow (steps from the sink back to the
// source).
func (e *engine) finding(rule *taintRule, sink ssa.Instruction, steps []step) escarp.Finding {
	flow := make([]escarp.Location, 0, len(steps))
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		pos := st.pos
		if i == 0 {
			pos = e.callStart(pos)
		}
		loc := e.location(pos, st.msg)
		if n := len(flow); n > 0 && flow[n-1].File == loc.File && flow[n-1].Line == loc.Line && flow[n-1].Message == loc.Message {
			continue
		}
		flow = append(flow, loc)
	}
	sinkLoc := flow[len(flow)-1]
	sinkLoc.Message = ""
	src := strings.TrimSuffix(flow[0].Message, " (source)")
	snk := strings.TrimSuffix(steps[0].msg, " (sink)")
	f := escarp.Finding{
		RuleID:      rule.info.ID,
		Title:       rule.info.Title,
		Kind:        escarp.KindSAST,
		Severity:    rule.info.Severity,
		Confidence:  confidence(steps),
		OWASP:       rule.info.OWASP,
		CWE:         rule.info.CWE,
		Message:     fmt.Sprintf("%s: request data from %s (%s:%d) reaches %s without sanitization", capitalize(rule.what), src, flow[0].File, flow[0].Line, snk),
		Location:    sinkLoc,
		Remediation: rule.info.Remediation,
		References:  []string{rule.info.HelpURI},
		Flows:       [][]escarp.Location{flow},
		Hash:        snippetHash(sinkLoc.Snippet),
		Properties:  map[string]string{"source": src},
	}
	if ok, why := nosec(sinkLoc.Snippet, rule); ok {
		f.Suppressed = &escarp.Suppression{Kind: "inline", Reason: why}
	}
	f.SetFingerprint()
	return f
}

// nosecRE matches a gosec-style suppression comment: "#nosec", optionally
// followed by rule ids, optionally followed by "-- reason".
var nosecRE = regexp.MustCompile(`#nosec\b([^-]*)(?:--\s*(.*))?`)

// nosec reports whether the sink line carries a #nosec comment that covers
// rule: one without ids, or naming the rule or one of the gosec rules
// reporting the same flaw. It returns the justification.
func nosec(line string, rule *taintRule) (bool, string) {
	i := strings.Index(line, "//")
	if i < 0 {
		return false, ""
	}
	m := nosecRE.FindStringSubmatch(line[i:])
	if m == nil {
		return false, ""
	}
	why := strings.TrimSpace(m[2])
	ids := strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(ids) == 0 {
		return true, why
	}
	for _, id := range ids {
		if id == rule.info.ID || slices.Contains(rule.gosec, id) {
			return true, why
		}
	}
	return false, ""
}

// confidence is high for a flow the search followed value by value, medium
// when it went through the program-wide field index.
func confidence(steps []step) escarp.Confidence {
	for _, st := range steps {
		if st.approx {
			return escarp.ConfidenceMedium
		}
	}
	return escarp.ConfidenceHigh
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// gosecClass maps gosec rules to the taint rule reporting the same flaw.
var gosecClass = func() map[string]*taintRule {
	m := map[string]*taintRule{}
	for _, r := range taintRules {
		for _, id := range r.gosec {
			m[gosecPrefix+id] = r
		}
	}
	return m
}()

// merge returns escarp's findings and gosec's, keeping one finding per flaw:
// a gosec finding of the same class as an escarp finding, in the same file
// and in the function holding escarp's sink (gosec reports SQL built by
// concatenation where it is built, its taint rules at the call), is folded
// into escarp's finding as Properties["also"]. A suppressed gosec finding
// stays apart unless escarp's is suppressed too.
func merge(own []ownFinding, gos []escarp.Finding) []escarp.Finding {
	out := make([]escarp.Finding, 0, len(own)+len(gos))
	for _, o := range own {
		out = append(out, o.Finding)
	}
	also := map[int][]string{}
	for _, g := range gos {
		if r, ok := gosecClass[g.RuleID]; ok {
			// A suppressed gosec finding folds only into a suppressed one.
			if i := owner(own, r.info.ID, g.Location); i >= 0 && (g.Suppressed == nil || own[i].Suppressed != nil) {
				also[i] = append(also[i], g.RuleID)
				continue
			}
		}
		out = append(out, g)
	}
	for i, ids := range also {
		sort.Strings(ids)
		out[i].Properties["also"] = strings.Join(ids, ",")
	}
	return out
}

// owner returns the index of the finding of rule that loc belongs to: the
// one whose sink is on loc's line, else the first whose sink function
// contains loc; -1 if none.
func owner(own []ownFinding, rule string, loc escarp.Location) int {
	best := -1
	for i, o := range own {
		if o.RuleID != rule || o.Location.File != loc.File {
			continue
		}
		if o.Location.Line == loc.Line {
			return i
		}
		if best < 0 && o.span[0] <= loc.Line && loc.Line <= o.span[1] {
			best = i
		}
	}
	return best
}
