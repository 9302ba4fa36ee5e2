package houserules

import (
	"slices"
	"strings"
	"testing"
)

// leafDeps are heavy dependencies that only their leaf package (and
// cmd/escarp, which wires everything) may link, so ordinary test binaries
// stay small.
var leafDeps = []struct {
	prefix string   // import path prefix of the dependency
	leaf   []string // the packages of this module allowed to depend on it
}{
	{prefix: "github.com/open-policy-agent/opa", leaf: []string{"internal/policy", "cmd/escarp"}},
}

// TestHeavyDependenciesStayInLeaves: no package of the module but the
// leaf depends on OPA; in particular internal/audit, internal/scan and
// internal/report do not.
func TestHeavyDependenciesStayInLeaves(t *testing.T) {
	pkgs := packages(t)
	for _, d := range leafDeps {
		for path, p := range pkgs {
			if !ours(path) || slices.ContainsFunc(d.leaf, func(l string) bool { return matchPattern(l, path) }) {
				continue
			}
			for _, dep := range p.Deps {
				if strings.HasPrefix(dep, d.prefix) {
					t.Errorf("%s depends on %s, which only %s may link: %s", rel(path), d.prefix, strings.Join(d.leaf, " and "), chain(pkgs, path, dep))
					break
				}
			}
		}
		// The check is only worth something if the leaf really links it.
		for _, l := range d.leaf[:1] {
			p := pkgs[module+"/"+l]
			if p == nil || !slices.ContainsFunc(p.Deps, func(dep string) bool { return strings.HasPrefix(dep, d.prefix) }) {
				t.Errorf("%s does not link %s: the leaf rule checks nothing", l, d.prefix)
			}
		}
		for _, must := range []string{"internal/audit", "internal/scan", "internal/report", "internal/gate"} {
			if pkgs[module+"/"+must] == nil {
				t.Errorf("go list did not report %s", must)
			}
		}
	}
}
