package policy

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/escarp/escarp"
)

// packFS holds the built-in packs and their library.
//
//go:embed packs/*.rego
var packFS embed.FS

// Rule is one violation-reporting Rego rule (deny, violation, warn and
// their _suffixed forms) with its metadata.
type Rule struct {
	// ID is ESC-POL-<PACK>-NNN for built-in rules and
	// policy:<package>.<rule> for a user's.
	ID          string
	Title       string
	Description string
	Remediation string
	Severity    escarp.Severity
	OWASP       string
	CWE         []string
	// Package is the Rego package ("escarp.pack.encryption"), Name the
	// rule's name ("deny_old_tls"), Kind "deny", "violation" or "warn".
	Package, Name, Kind string
	// Pack is the built-in pack's name ("encryption"), or "" for a user's
	// rule; Builtin says which.
	Pack    string
	Builtin bool
	// Owner, Rationale and Review (YYYY-MM-DD) are the governance
	// annotations, inherited from the package when the rule has none.
	Owner, Rationale, Review string
	// Theme is the audit theme of a user's rule run by `escarp audit`
	// (custom.theme).
	Theme string
	Pos   escarp.Position
}

// Info returns the rule as reports and `escarp explain` show it.
func (r *Rule) Info() escarp.RuleInfo {
	tags := []string{"security", "policy"}
	if r.Pack != "" {
		tags = append(tags, r.Pack)
	}
	if r.OWASP != "" {
		tags = append(tags, r.OWASP)
	}
	tags = append(tags, r.CWE...)
	desc := r.Description
	if r.Rationale != "" && !r.Builtin {
		desc = strings.TrimSpace(desc + "\n\nRationale: " + r.Rationale)
	}
	info := escarp.RuleInfo{ID: r.ID, Title: r.Title, Description: desc, Remediation: r.Remediation,
		Severity: r.Severity, OWASP: r.OWASP, CWE: r.CWE, Tags: tags}
	if r.Builtin {
		info.HelpURI = "https://github.com/escarp/escarp/blob/main/docs/policy.md#" + strings.ToLower(r.ID)
	}
	return info
}

// Package is one Rego package with its governance annotations.
type Package struct {
	Path                     string // "escarp.pack.encryption"
	Title, Description       string
	Pack                     string
	Builtin                  bool
	Owner, Rationale, Review string
	Pos                      escarp.Position
}

// Options say which policies to load.
type Options struct {
	// Dirs are the user's policy directories (policy/ or --policy DIR).
	Dirs []string
	// RegoV0 are directories (and everything under them) parsed as Rego v0.
	RegoV0 []string
	// NoBuiltin leaves the built-in packs out; Packs, when set, keeps only
	// the named ones ("encryption", "data-protection"...).
	NoBuiltin bool
	Packs     []string
	// Disable lists rule ids that do not run (patterns ending in * allowed).
	Disable []string
	// Params override the packs' parameters (data.escarp.params).
	Params map[string]any
}

// file is one parsed Rego file.
type file struct {
	name    string // path as shown in positions
	module  *ast.Module
	builtin bool
	test    bool
}

// ruleName matches Conftest's violation rules.
var ruleName = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9_]+)*$`)

// parseFiles parses the built-in packs (unless none) and every .rego file
// under dirs. Parse errors are Invalid with file and line.
func parseFiles(opts Options, withBuiltin bool) ([]*file, error) {
	var files []*file
	if withBuiltin {
		entries, err := fs.ReadDir(packFS, "packs")
		if err != nil {
			return nil, fmt.Errorf("policy: built-in packs: %w", err)
		}
		for _, e := range entries {
			name := path.Join("packs", e.Name())
			data, err := packFS.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("policy: built-in packs: %w", err)
			}
			m, err := ast.ParseModuleWithOpts("builtin:"+e.Name(), string(data), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
			if err != nil {
				return nil, fmt.Errorf("policy: built-in pack %s: %w", e.Name(), err)
			}
			files = append(files, &file{name: "builtin:" + e.Name(), module: m, builtin: true, test: strings.HasSuffix(e.Name(), "_test.rego")})
		}
	}
	for _, dir := range opts.Dirs {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, &escarp.Error{Op: "policy.Load", Kind: escarp.Invalid, Message: "policy directory " + dir, Err: err}
		}
		var paths []string
		if !st.IsDir() {
			paths = []string{dir}
		} else if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(p, ".rego") {
				paths = append(paths, p)
			}
			return nil
		}); err != nil {
			return nil, &escarp.Error{Op: "policy.Load", Kind: escarp.Invalid, Message: "read policy directory " + dir, Err: err}
		}
		sort.Strings(paths)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, &escarp.Error{Op: "policy.Load", Kind: escarp.Invalid, Message: "read " + p, Err: err}
			}
			ver, err := regoVersion(p, dir, opts.RegoV0)
			if err != nil {
				return nil, err
			}
			m, err := ast.ParseModuleWithOpts(p, string(data), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ver})
			if err != nil {
				return nil, parseError(p, err)
			}
			if m == nil {
				return nil, escarp.InvalidAt(escarp.Position{File: p, Line: 1}, "empty Rego file: a policy needs a package")
			}
			files = append(files, &file{name: p, module: m, test: strings.HasSuffix(p, "_test.rego")})
		}
	}
	return files, nil
}

// parseError turns OPA's parse errors into an Invalid error at the first
// one's file and line.
func parseError(name string, err error) error {
	var errs ast.Errors
	if errors.As(err, &errs) && len(errs) > 0 {
		e := errs[0]
		pos := escarp.Position{File: name, Line: 1}
		if e.Location != nil {
			pos.Line, pos.Column = e.Location.Row, e.Location.Col
		}
		msg := e.Message
		if len(errs) > 1 {
			msg += fmt.Sprintf(" (and %d more errors)", len(errs)-1)
		}
		return escarp.InvalidAt(pos, "%s", msg)
	}
	return escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "%v", err)
}

// regoVersion is the Rego version of file p under root: v0 when a
// directory on the way from root names it in a .manifest
// ({"rego_version": 0}, OPA's bundle key) or is one of v0Dirs, else v1.
func regoVersion(p, root string, v0Dirs []string) (ast.RegoVersion, error) {
	abs, _ := filepath.Abs(p)
	for _, d := range v0Dirs {
		ad, _ := filepath.Abs(d)
		if abs == ad || strings.HasPrefix(abs, ad+string(filepath.Separator)) {
			return ast.RegoV0, nil
		}
	}
	rootAbs, _ := filepath.Abs(root)
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		mf := filepath.Join(dir, ".manifest")
		if data, err := os.ReadFile(mf); err == nil {
			var m struct {
				RegoVersion *int `json:"rego_version"`
			}
			if err := json.Unmarshal(data, &m); err != nil {
				return 0, escarp.InvalidAt(escarp.Position{File: mf, Line: 1}, "not a JSON manifest: %v", err)
			}
			if m.RegoVersion != nil {
				switch *m.RegoVersion {
				case 0:
					return ast.RegoV0, nil
				case 1:
					return ast.RegoV1, nil
				default:
					return 0, escarp.InvalidAt(escarp.Position{File: mf, Line: 1}, "rego_version %d: want 0 or 1", *m.RegoVersion)
				}
			}
		}
		if dir == rootAbs || !strings.HasPrefix(dir, rootAbs) || filepath.Dir(dir) == dir {
			break
		}
	}
	return ast.RegoV1, nil
}

// compile compiles modules; errors are Invalid at the first error's place.
func compile(files []*file) (*ast.Compiler, error) {
	mods := make(map[string]*ast.Module, len(files))
	for _, f := range files {
		mods[f.name] = f.module
	}
	c := ast.NewCompiler()
	c.Compile(mods)
	if c.Failed() {
		e := c.Errors[0]
		pos := escarp.Position{Line: 1}
		if e.Location != nil {
			pos = escarp.Position{File: e.Location.File, Line: e.Location.Row, Column: e.Location.Col}
		}
		msg := e.Message
		if len(c.Errors) > 1 {
			msg += fmt.Sprintf(" (and %d more errors)", len(c.Errors)-1)
		}
		return nil, escarp.InvalidAt(pos, "%s", msg)
	}
	return c, nil
}

// pkgPath is a module's package path without "data.".
func pkgPath(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}

// custom merges the custom: annotations along the chain of r (rule,
// document, package, subpackages), the nearest winning.
func custom(as *ast.AnnotationSet, r *ast.Rule) (map[string]any, *ast.Annotations) {
	out := map[string]any{}
	var first *ast.Annotations
	for _, ref := range as.Chain(r) {
		a := ref.Annotations
		if a == nil {
			continue
		}
		if first == nil && (a.Scope == "rule" || a.Scope == "document") {
			first = a
		}
		for k, v := range a.Custom {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out, first
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return strings.TrimSpace(v)
	case nil:
		return ""
	case time.Time: // YAML reads 2027-06-01 as a date
		return v.UTC().Format(time.DateOnly)
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}

func strs(m map[string]any, k string) []string {
	switch v := m[k].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// collect finds the violation rules and packages of the non-test modules,
// with their metadata. Annotation errors (a bad id, severity, date) are
// Invalid at the rule.
func collect(c *ast.Compiler, files []*file) ([]*Rule, []*Package, error) {
	as := c.GetAnnotationSet()
	var rules []*Rule
	var pkgs []*Package
	seenPkg := map[string]*Package{}
	seenRule := map[string]*Rule{}
	for _, f := range files {
		if f.test {
			continue
		}
		m := f.module
		pp := pkgPath(m)
		pkg := seenPkg[pp]
		if pkg == nil {
			pkg = &Package{Path: pp, Builtin: f.builtin, Pos: escarp.Position{File: f.name, Line: m.Package.Location.Row}}
			seenPkg[pp] = pkg
			pkgs = append(pkgs, pkg)
		}
		if a := as.GetPackageScope(m.Package); a != nil {
			cu := a.Custom
			if pkg.Title == "" {
				pkg.Title, pkg.Description = a.Title, strings.TrimSpace(a.Description)
			}
			for k, dst := range map[string]*string{"owner": &pkg.Owner, "rationale": &pkg.Rationale, "review": &pkg.Review, "pack": &pkg.Pack} {
				if *dst == "" {
					*dst = str(cu, k)
				}
			}
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) == 0 {
				continue
			}
			v, ok := ref[0].Value.(ast.Var)
			if !ok || !ruleName.MatchString(string(v)) {
				continue
			}
			name := string(v)
			key := pp + "." + name
			cu, ann := custom(as, r)
			rule := seenRule[key]
			if rule == nil {
				rule = &Rule{Package: pp, Name: name, Kind: strings.SplitN(name, "_", 2)[0], Builtin: f.builtin,
					Pos: escarp.Position{File: f.name, Line: r.Location.Row}}
				seenRule[key] = rule
				rules = append(rules, rule)
			} else if ann == nil {
				continue // an incremental definition without its own metadata
			}
			if err := rule.apply(cu, ann, pkg); err != nil {
				return nil, nil, escarp.InvalidAt(escarp.Position{File: f.name, Line: r.Location.Row}, "%s: %v", key, err)
			}
		}
	}
	return rules, pkgs, nil
}

var (
	polID = regexp.MustCompile(`^ESC-POL-[A-Z]+-[0-9]{3}$`)
	cweID = regexp.MustCompile(`^CWE-[0-9]+$`)
)

// apply fills r's metadata from its annotations and its package.
func (r *Rule) apply(cu map[string]any, ann *ast.Annotations, pkg *Package) error {
	r.Pack = pkg.Pack
	if ann != nil {
		r.Title, r.Description = ann.Title, strings.TrimSpace(ann.Description)
	}
	if r.Title == "" && !r.Builtin {
		// A package that holds one policy documents it once, on the package.
		r.Title, r.Description = pkg.Title, pkg.Description
	}
	if r.Title == "" {
		r.Title = "Rego rule " + r.Package + "." + r.Name
	}
	r.Remediation = str(cu, "remediation")
	r.OWASP = str(cu, "owasp")
	r.CWE = strs(cu, "cwe")
	r.Owner, r.Rationale, r.Review = str(cu, "owner"), str(cu, "rationale"), str(cu, "review")
	r.Theme = str(cu, "theme")
	if r.Builtin {
		r.ID = str(cu, "id")
		if !polID.MatchString(r.ID) {
			return fmt.Errorf("built-in rule without an ESC-POL-<PACK>-NNN id (custom.id %q)", r.ID)
		}
	} else {
		r.ID = "policy:" + r.Package + "." + r.Name
	}
	r.Severity = escarp.SeverityHigh
	if r.Kind == "warn" {
		r.Severity = escarp.SeverityLow
	}
	if s := str(cu, "severity"); s != "" {
		sev, err := escarp.ParseSeverity(s)
		if err != nil {
			return fmt.Errorf("custom.severity: %w", err)
		}
		r.Severity = sev
	}
	if r.OWASP != "" && escarp.OWASPTop10[r.OWASP] == "" {
		return fmt.Errorf("custom.owasp %q: not an OWASP API Top 10 2023 id (API1:2023...)", r.OWASP)
	}
	for _, c := range r.CWE {
		if !cweID.MatchString(c) {
			return fmt.Errorf("custom.cwe %q: want CWE-NNN", c)
		}
	}
	if r.Review != "" {
		if _, err := parseDate(r.Review); err != nil {
			return fmt.Errorf("custom.review %q: want a date as YYYY-MM-DD", r.Review)
		}
	}
	return nil
}

// selected reports whether a rule survives the options' Packs and Disable.
func (o Options) selected(r *Rule) bool {
	if r.Builtin && len(o.Packs) > 0 && !slices.Contains(o.Packs, r.Pack) {
		return false
	}
	for _, d := range o.Disable {
		d = strings.TrimSpace(d)
		if p, ok := strings.CutSuffix(d, "*"); ok && strings.HasPrefix(strings.ToUpper(r.ID), strings.ToUpper(p)) {
			return false
		}
		if strings.EqualFold(d, r.ID) {
			return false
		}
	}
	return true
}

// Packs are the names of the built-in packs.
func Packs() []string {
	var out []string
	for _, r := range builtin().rules {
		if !slices.Contains(out, r.Pack) {
			out = append(out, r.Pack)
		}
	}
	return out
}
