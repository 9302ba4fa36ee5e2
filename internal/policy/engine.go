package policy

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/escarp/escarp"
)

// DefaultParams are the packs' parameters (data.escarp.params); the
// policy section's params override them key by key.
func DefaultParams() map[string]any {
	return map[string]any{
		// authentication
		"allowed_schemes": []any{"http:bearer", "oauth2", "openIdConnect", "mutualTLS", "apiKey:header", "apiKey:cookie"},
		"jwt_algorithms":  []any{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"},
		// encryption
		"min_cert_days":      30,
		"hsts_min_age":       15552000, // 180 days
		"weak_suite_pattern": `(RC4|3DES|_NULL_|EXPORT|_anon_|^TLS_RSA_|_CBC_SHA$)`,
		// data protection
		"token_response_fields": []any{"access_token", "refresh_token", "id_token", "token_type"},
		// lifecycle
		"version_pattern": `^v?[0-9]+\.[0-9]+(\.[0-9]+)?([-+].*)?$`,
	}
}

// Set is a loaded, compiled set of policies, ready to evaluate many
// inputs. It is safe for concurrent use.
type Set struct {
	Rules    []*Rule
	Packages []*Package
	// Notes are warnings from loading (an empty policy directory).
	Notes []string

	query  rego.PreparedEvalQuery
	params map[string]any
}

// Load parses, compiles and prepares the built-in packs (unless
// opts.NoBuiltin) and the user's policies. Bad Rego is an Invalid error
// naming file and line.
func Load(ctx context.Context, opts Options) (*Set, error) {
	files, err := parseFiles(opts, !opts.NoBuiltin)
	if err != nil {
		return nil, err
	}
	if opts.NoBuiltin {
		// The library is always there: user policies may import it.
		lib, err := parseFiles(Options{}, true)
		if err != nil {
			return nil, err
		}
		for _, f := range lib {
			if pkgPath(f.module) == "escarp.lib" {
				files = append(files, f)
			}
		}
	}
	return prepare(ctx, files, opts)
}

func prepare(ctx context.Context, files []*file, opts Options) (*Set, error) {
	var evalFiles []*file
	for _, f := range files {
		if !f.test {
			evalFiles = append(evalFiles, f)
		}
	}
	c, err := compile(evalFiles)
	if err != nil {
		return nil, err
	}
	rules, pkgs, err := collect(c, evalFiles)
	if err != nil {
		return nil, err
	}
	s := &Set{Packages: pkgs, params: DefaultParams()}
	maps.Copy(s.params, opts.Params)
	seen := map[string]string{}
	for _, r := range rules {
		if other, dup := seen[r.ID]; dup {
			return nil, escarp.InvalidAt(r.Pos, "rule id %s is used by %s.%s too", r.ID, other, r.Name)
		}
		seen[r.ID] = r.Package + "." + r.Name
		if opts.selected(r) {
			s.Rules = append(s.Rules, r)
		}
	}
	for _, d := range opts.Dirs {
		n := 0
		for _, r := range rules {
			if !r.Builtin && strings.HasPrefix(r.Pos.File, d) {
				n++
			}
		}
		if n == 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("policy directory %s has no deny, violation or warn rule", d))
		}
	}
	// One query evaluates every selected rule: r0 = data.pkg.rule, ...
	// Partial-set rules are always defined; a complete rule that is
	// undefined is wrapped so the query still succeeds.
	var terms []string
	for i, r := range s.Rules {
		terms = append(terms, fmt.Sprintf("r%d := [x | x := %s]", i, ast.NewTerm(ruleRef(r)).String()))
	}
	if len(terms) == 0 {
		terms = []string{"true"}
	}
	store := inmem.NewFromObject(map[string]any{"escarp": map[string]any{"params": s.params}})
	q, err := rego.New(rego.Compiler(c), rego.Store(store), rego.Query(strings.Join(terms, "; "))).PrepareForEval(ctx)
	if err != nil {
		return nil, &escarp.Error{Op: "policy.Load", Kind: escarp.Invalid, Message: "prepare policies", Err: err}
	}
	s.query = q
	return s, nil
}

// Eval evaluates every rule over in and returns the violations as
// findings of kind policy, in rule order. Evaluation errors (a builtin
// that fails under strict mode, a conflict between complete rules) are
// Invalid, naming the policy.
func (s *Set) Eval(ctx context.Context, in *Input) ([]escarp.Finding, error) {
	doc, err := in.Document()
	if err != nil {
		return nil, err
	}
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("policy: input: %w", err)
	}
	return s.evalValue(ctx, v, in.API)
}

// evalValue evaluates the rules over an input document already converted
// to a Rego value.
func (s *Set) evalValue(ctx context.Context, v ast.Value, api *escarp.API) ([]escarp.Finding, error) {
	rs, err := s.query.Eval(ctx, rego.EvalParsedInput(v))
	if err != nil {
		return nil, &escarp.Error{Op: "policy.Eval", Kind: escarp.Invalid, Message: "policy evaluation failed", Err: err}
	}
	findings := []escarp.Finding{}
	if len(rs) == 0 {
		return findings, nil
	}
	for i, r := range s.Rules {
		wrapped, _ := rs[0].Bindings[fmt.Sprintf("r%d", i)].([]any)
		if len(wrapped) == 0 {
			continue // a complete rule that is undefined
		}
		for _, item := range values(wrapped[0]) {
			findings = append(findings, r.finding(item, api))
		}
	}
	return findings, nil
}

// ruleRef is data.<package>.<rule>, quoted where a part is not an identifier.
func ruleRef(r *Rule) ast.Ref {
	ref := ast.Ref{ast.DefaultRootDocument}
	for _, p := range strings.Split(r.Package, ".") {
		ref = append(ref, ast.StringTerm(p))
	}
	return append(ref, ast.StringTerm(r.Name))
}

// values turns a rule's value into its violations: each member of a set
// (array), or the value itself; false, null and empty strings are none.
func values(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	case bool:
		if !x {
			return nil
		}
		return []any{x}
	case string:
		if x == "" {
			return nil
		}
		return []any{x}
	default:
		return []any{x}
	}
}

// finding turns one violation value into a finding at the element the
// value names.
func (r *Rule) finding(item any, api *escarp.API) escarp.Finding {
	f := escarp.Finding{RuleID: r.ID, Title: r.Title, Kind: escarp.KindPolicy, Severity: r.Severity,
		Confidence: escarp.ConfidenceHigh, OWASP: r.OWASP, CWE: r.CWE, Remediation: r.Remediation,
		Properties: map[string]string{"package": r.Package, "rule": r.Name}}
	if r.Pack != "" {
		f.Properties["pack"] = r.Pack
	}
	if r.Owner != "" {
		f.Properties["owner"] = r.Owner
	}
	switch x := item.(type) {
	case string:
		f.Message = x
	case map[string]any:
		f.Message = str(x, "msg")
		if f.Message == "" {
			f.Message = str(x, "message")
		}
		if sev := str(x, "severity"); sev != "" {
			if s, err := escarp.ParseSeverity(sev); err == nil {
				f.Severity = s
			}
		}
		if pos, ok := x["pos"].(map[string]any); ok {
			f.Location.File = str(pos, "file")
			f.Location.Line = num(pos["line"])
			f.Location.Column = num(pos["column"])
		}
		f.Location.Pointer = str(x, "pointer")
		f.Location.Method = strings.ToUpper(str(x, "method"))
		f.Location.Path = str(x, "path")
		f.Location.Param = str(x, "param")
		f.Location.URL = str(x, "url")
		f.Location.Service = str(x, "service")
	case bool:
		// "deny if { ... }": the rule's title is the message.
	default:
		f.Message = fmt.Sprint(x)
	}
	if f.Message == "" {
		f.Message = r.Title
	}
	if f.Location.File == "" && api != nil {
		// An operation named by method and path lands on its line; anything
		// else without a place on line 1 of the description.
		if op := findOp(api, f.Location.Method, f.Location.Path); op != nil {
			f.Location = f.Location.At(op.Pos)
			if f.Location.Pointer == "" {
				f.Location.Pointer = op.Pointer
			}
		} else if f.Location.URL == "" && f.Location.Service == "" {
			f.Location.File, f.Location.Line = api.Pos.File, 1
			if f.Location.File == "" {
				f.Location.File = api.Location
			}
		}
	}
	if f.Location.Pointer == "" && f.Location.Method == "" && (f.Location.URL != "" || f.Location.Service != "") {
		// Facts about an origin or a service: the identity is rule + origin.
		cp := f
		cp.Location = escarp.Location{Param: "url:" + f.Location.URL, Service: f.Location.Service}
		f.Fingerprint = escarp.Fingerprint(&cp)
	}
	if f.Location.Pointer == "" && f.Location.Method == "" && f.Location.URL == "" && f.Location.Service == "" {
		// A message about the whole document: the identity is rule + message.
		cp := f
		cp.Location = escarp.Location{Param: "msg:" + f.Message}
		f.Fingerprint = escarp.Fingerprint(&cp)
	}
	f.SetFingerprint()
	return f
}

func num(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case int:
		return x
	case interface{ Int64() (int64, error) }:
		n, _ := x.Int64()
		return int(n)
	}
	return 0
}

func findOp(api *escarp.API, method, path string) *escarp.Operation {
	if method == "" || path == "" {
		return nil
	}
	for _, op := range api.Operations {
		if op.Method == method && op.Path == path {
			return op
		}
	}
	return nil
}

// Relocate rewrites the file of every rule's and package's position with
// rel (to make them repository-relative for reports).
func (s *Set) Relocate(rel func(string) string) {
	for _, r := range s.Rules {
		r.Pos.File = rel(r.Pos.File)
	}
	for _, p := range s.Packages {
		p.Pos.File = rel(p.Pos.File)
	}
}

// Infos returns the RuleInfo of every selected rule.
func (s *Set) Infos() []escarp.RuleInfo {
	out := make([]escarp.RuleInfo, 0, len(s.Rules))
	for _, r := range s.Rules {
		out = append(out, r.Info())
	}
	return out
}

// builtinSet is the built-in packs, parsed once.
type builtinSet struct {
	rules []*Rule
	err   error
}

var (
	builtinOnce sync.Once
	builtins    builtinSet
)

func builtin() builtinSet {
	builtinOnce.Do(func() {
		files, err := parseFiles(Options{}, true)
		if err != nil {
			builtins.err = err
			return
		}
		c, err := compile(files)
		if err != nil {
			builtins.err = err
			return
		}
		builtins.rules, _, builtins.err = collect(c, files)
	})
	return builtins
}

// Rules returns the metadata of every built-in policy rule, for reports
// and `escarp explain`. It panics if the embedded packs are broken, which
// the package's tests rule out.
func Rules() []escarp.RuleInfo {
	b := builtin()
	if b.err != nil {
		panic("policy: built-in packs: " + b.err.Error())
	}
	out := make([]escarp.RuleInfo, 0, len(b.rules))
	for _, r := range b.rules {
		out = append(out, r.Info())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// parseDate parses YYYY-MM-DD.
func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
