package audit

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/escarp/escarp"
)

// IgnoreExtension is the vendor extension that suppresses findings inline.
const IgnoreExtension = "x-escarp-ignore"

// inline is one x-escarp-ignore entry, resolved to a rule id.
type inline struct {
	rule    string
	reason  string
	pointer string // the element carrying the extension; "" is the root
	method  string // for operations without a pointer
	path    string
}

// inlineSuppressions collects every x-escarp-ignore entry of the API.
// Unknown rules become notes, never errors: a spec written for a newer
// escarp must still audit.
func inlineSuppressions(api *escarp.API, idx *Index, raw Raw, rules []*Rule) ([]inline, []string) {
	var out []inline
	var notes []string
	add := func(ext map[string]any, ptr string, op *escarp.Operation) {
		v, ok := ext[IgnoreExtension]
		if !ok {
			return
		}
		for _, e := range ignoreEntries(v) {
			m := match(rules, e.rule)
			if len(m) == 0 {
				where := ptr
				if where == "" {
					where = "the root"
				}
				notes = append(notes, fmt.Sprintf("%s at %s names unknown rule %q", IgnoreExtension, where, e.rule))
				continue
			}
			for _, r := range m {
				in := inline{rule: r.ID, reason: e.reason, pointer: ptr}
				if op != nil && ptr == "" {
					in.method, in.path = op.Method, op.Path
					in.pointer = "\x00op" // never a prefix of a real pointer
				}
				out = append(out, in)
			}
		}
	}
	add(api.Extensions, "", nil)
	items := make(map[string]bool)
	for _, op := range idx.Ops {
		// Path items are not in the model: read their extension raw.
		if i := strings.LastIndexByte(op.Pointer, '/'); raw != nil && strings.HasPrefix(op.Pointer, "/paths/") && i > len("/paths") {
			if item := op.Pointer[:i]; !items[item] {
				items[item] = true
				if v, _, ok := raw.Value(item + "/" + IgnoreExtension); ok {
					add(map[string]any{IgnoreExtension: v}, item, nil)
				}
			}
		}
		add(op.Extensions, op.Pointer, op)
		for _, p := range op.Parameters {
			if p != nil && p.Pointer != "" {
				add(p.Extensions, p.Pointer, nil)
			}
		}
	}
	names := make([]string, 0, len(api.SecuritySchemes))
	for n := range api.SecuritySchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if s := api.SecuritySchemes[n]; s != nil {
			add(s.Extensions, SchemeAt(api, s).Pointer, nil)
		}
	}
	for _, u := range idx.Schemas {
		add(u.Schema.Extensions, u.Pointer, nil)
	}
	for _, n := range sortedSchemaNames(api) {
		s := api.Schemas[n]
		if s != nil && idx.Use(s) == nil && s.Pointer != "" {
			add(s.Extensions, s.Pointer, nil)
		}
	}
	return out, notes
}

func sortedSchemaNames(api *escarp.API) []string {
	names := make([]string, 0, len(api.Schemas))
	for n := range api.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type ignoreEntry struct{ rule, reason string }

// ignoreEntries reads the value of x-escarp-ignore: a list of
// {rule, reason} maps or of rule ids, a single map, or a single id.
func ignoreEntries(v any) []ignoreEntry {
	switch v := v.(type) {
	case string:
		return []ignoreEntry{{rule: v}}
	case map[string]any:
		r, _ := v["rule"].(string)
		reason, _ := v["reason"].(string)
		if r == "" {
			return nil
		}
		return []ignoreEntry{{r, reason}}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			if ks, ok := k.(string); ok {
				m[ks] = x
			}
		}
		return ignoreEntries(m)
	case []any:
		var out []ignoreEntry
		for _, x := range v {
			out = append(out, ignoreEntries(x)...)
		}
		return out
	case []string:
		var out []ignoreEntry
		for _, x := range v {
			out = append(out, ignoreEntry{rule: x})
		}
		return out
	case []map[string]any:
		var out []ignoreEntry
		for _, x := range v {
			out = append(out, ignoreEntries(x)...)
		}
		return out
	}
	return nil
}

// under reports whether pointer p is ptr or lies under it.
func under(p, ptr string) bool {
	return ptr == "" || p == ptr || strings.HasPrefix(p, ptr+"/")
}

// suppress sets Suppressed on findings matched by an inline or file
// suppression.
func suppress(findings []escarp.Finding, inl []inline, ignores []Ignore, today string) {
	for i := range findings {
		f := &findings[i]
		for _, in := range inl {
			if in.rule != f.RuleID {
				continue
			}
			hit := under(f.Location.Pointer, in.pointer)
			if in.method != "" {
				hit = f.Location.Method == in.method && f.Location.Path == in.path
			}
			if hit {
				f.Suppressed = &escarp.Suppression{Kind: "inline", Reason: in.reason}
				break
			}
		}
		if f.Suppressed != nil {
			continue
		}
		for _, ig := range ignores {
			if ig.Rule != f.RuleID || (ig.Expires != "" && ig.Expires < today) {
				continue
			}
			if globUnder(f.Location.Pointer, ig.Pointer) {
				f.Suppressed = &escarp.Suppression{Kind: "file", Reason: ig.Reason, Expires: ig.Expires}
				break
			}
		}
	}
}

// globUnder reports whether pointer p, or one of its ancestors, matches
// pattern (path.Match syntax; "" matches everything).
func globUnder(p, pattern string) bool {
	if pattern == "" || under(p, pattern) {
		return true
	}
	for {
		if ok, _ := path.Match(pattern, p); ok {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			return false
		}
		p = p[:i]
	}
}
