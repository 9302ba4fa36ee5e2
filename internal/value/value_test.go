package value_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/value"
)

func f(v float64) *float64 { return &v }
func n(v int64) *int64     { return &v }

func TestValid(t *testing.T) {
	pet := &escarp.Schema{Type: []string{"object"}, Required: []string{"name", "age"},
		PropertyNames: []string{"id", "name", "age", "tag", "nick"},
		Properties: map[string]*escarp.Schema{
			"id":   {Type: []string{"integer"}, ReadOnly: true},
			"name": {Type: []string{"string"}, MinLength: n(10)},
			"age":  {Type: []string{"integer"}, Minimum: f(18), Maximum: f(20)},
			"tag":  {Type: []string{"string"}, Example: "t1"},
			"nick": {Type: []string{"string"}},
		}}
	for _, tc := range []struct {
		name   string
		schema *escarp.Schema
		field  string
		want   any
	}{
		{"enum", &escarp.Schema{Type: []string{"string"}, Enum: []any{"cat", "dog"}}, "", "cat"},
		{"example", &escarp.Schema{Type: []string{"integer"}, Example: 7.0}, "", 7.0},
		{"email", &escarp.Schema{Type: []string{"string"}, Format: "email"}, "", "escarp@example.com"},
		{"uri points at the callback", &escarp.Schema{Type: []string{"string"}, Format: "uri"}, "", "http://cb/escarp"},
		{"url by name", &escarp.Schema{Type: []string{"string"}}, "webhookUrl", "http://cb/escarp"},
		{"date", &escarp.Schema{Type: []string{"string"}, Format: "date"}, "", "2024-01-02"},
		{"integer bounds", &escarp.Schema{Type: []string{"integer"}, Minimum: f(5), Maximum: f(9)}, "", int64(5)},
		{"exclusive minimum", &escarp.Schema{Type: []string{"integer"}, ExclusiveMinimum: f(1)}, "", int64(2)},
		{"multipleOf", &escarp.Schema{Type: []string{"integer"}, Minimum: f(3), MultipleOf: f(5)}, "", int64(5)},
		{"number range", &escarp.Schema{Type: []string{"number"}, Minimum: f(1), Maximum: f(3)}, "", 2.0},
		{"maxLength", &escarp.Schema{Type: []string{"string"}, MaxLength: n(3)}, "", "esc"},
		{"pattern", &escarp.Schema{Type: []string{"string"}, Pattern: `^[A-Z]{3}-\d{4}$`}, "", "AAA-0000"},
		{"array minItems", &escarp.Schema{Type: []string{"array"}, MinItems: n(2), UniqueItems: true,
			Items: &escarp.Schema{Type: []string{"string"}}}, "", []any{"escarp", "escarp1"}},
		{"object: required, examples, no readOnly", pet, "",
			map[string]any{"name": "escarpxxxx", "age": int64(18), "tag": "t1"}},
		{"allOf merges", &escarp.Schema{AllOf: []*escarp.Schema{
			{Type: []string{"object"}, Required: []string{"a"}, Properties: map[string]*escarp.Schema{"a": {Type: []string{"boolean"}}}},
			{Type: []string{"object"}, Required: []string{"b"}, Properties: map[string]*escarp.Schema{"b": {Const: "x"}}},
		}}, "", map[string]any{"a": false, "b": "x"}},
		{"oneOf first", &escarp.Schema{OneOf: []*escarp.Schema{{Type: []string{"integer"}}, {Type: []string{"string"}}}}, "", int64(1)},
		{"nil schema", nil, "email", "escarp@example.com"},
	} {
		got := value.Valid(tc.schema, tc.field, value.Options{URL: "http://cb/escarp"})
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestValidRecursiveAndFill(t *testing.T) {
	node := &escarp.Schema{Type: []string{"object"}, Required: []string{"child", "ownerId"}}
	node.Properties = map[string]*escarp.Schema{"child": node, "ownerId": {Type: []string{"integer"}}}
	v := value.Valid(node, "", value.Options{Fill: func(name string, _ *escarp.Schema) (any, bool) {
		if name == "ownerId" {
			return int64(42), true
		}
		return nil, false
	}})
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"ownerId":42`).Match(b) {
		t.Errorf("Fill not used: %s", b)
	}
}

func TestFromPattern(t *testing.T) {
	for _, p := range []string{
		`^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`,
		`^\+?[1-9]\d{1,14}$`,
		`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
		`^(GET|POST)\s/\w+$`,
		`^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$`,
		`^\d{4}-\d{2}-\d{2}$`,
		`^(?:[01]\d|2[0-3]):[0-5]\d$`,
		`^[^\s]{3,}$`,
		`x*y?z+`,
	} {
		got, ok := value.FromPattern(p)
		if !ok {
			t.Errorf("FromPattern(%q) failed", p)
			continue
		}
		if !regexp.MustCompile(p).MatchString(got) {
			t.Errorf("FromPattern(%q) = %q, which does not match", p, got)
		}
	}
	if _, ok := value.FromPattern(`(`); ok {
		t.Error("an invalid pattern generated a value")
	}
}

func TestVariants(t *testing.T) {
	s := &escarp.Schema{Type: []string{"integer"}, Minimum: f(1), Maximum: f(10)}
	got := map[string]value.Variant{}
	for _, v := range value.Variants(s, "n", value.Options{}) {
		got[v.Name] = v
	}
	for name, want := range map[string]value.Variant{
		"min":        {Name: "min", Value: int64(1), Valid: true},
		"min-1":      {Name: "min-1", Value: int64(0), Valid: false},
		"max":        {Name: "max", Value: int64(10), Valid: true},
		"max+1":      {Name: "max+1", Value: int64(11), Valid: false},
		"wrong type": {Name: "wrong type", Value: "escarp", Valid: false},
		"null":       {Name: "null", Value: nil, Valid: false},
	} {
		if diff := cmp.Diff(want, got[name]); diff != "" {
			t.Errorf("variant %s (-want +got):\n%s", name, diff)
		}
	}
	str := value.Variants(&escarp.Schema{Type: []string{"string"}, MaxLength: n(5), Enum: []any{"a"}}, "s", value.Options{})
	names := map[string]bool{}
	for _, v := range str {
		names[v.Name] = true
		if v.Name == "maxLength+1" && v.Value != "aaaaaa" {
			t.Errorf("maxLength+1 = %q", v.Value)
		}
	}
	for _, want := range []string{"maxLength", "maxLength+1", "not in enum", "wrong type", "null"} {
		if !names[want] {
			t.Errorf("string variants lack %q: %v", want, names)
		}
	}
}

// FuzzFromPattern: whatever FromPattern generates must match the pattern
// (Go's regexp being the judge), and it must never panic or run away.
func FuzzFromPattern(f *testing.F) {
	for _, s := range []string{`^[a-z]+$`, `\d{3}-\d{4}`, `(a|b)*c`, `[^x]{2,5}`, `^$`, `.{1,3}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		re, err := regexp.Compile(p)
		if err != nil {
			return
		}
		got, ok := value.FromPattern(p)
		if ok && !re.MatchString(got) {
			t.Fatalf("FromPattern(%q) = %q does not match", p, got)
		}
	})
}

// Spec examples naming third-party URLs never reach a request: a target that
// fetches the value must reach only loopback or escarp's listener.
func TestExampleURLsAreContained(t *testing.T) {
	s := &escarp.Schema{Type: []string{"string"}, Example: "https://hooks.example.com/quayside"}
	if got := value.Valid(s, "webhook", value.Options{URL: "http://127.0.0.1:9/cb"}); got != "http://127.0.0.1:9/cb" {
		t.Errorf("Valid = %v, want the safe URL", got)
	}
	d := &escarp.Schema{Type: []string{"string"}, Default: "http://partner.example.net/feed"}
	if got := value.Valid(d, "feed", value.Options{}); got != "http://127.0.0.1/" {
		t.Errorf("Valid(default) = %v, want loopback", got)
	}
	plain := &escarp.Schema{Type: []string{"string"}, Example: "Harbour view"}
	if got := value.Valid(plain, "name", value.Options{}); got != "Harbour view" {
		t.Errorf("Valid(plain example) = %v", got)
	}
}
