package conformance_test

import (
	"encoding/json"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check/conformance"
)

func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"id":1,"tags":["a"]}`, `[]`, `null`, `{"id":"x","child":{"id":1.5}}`, `{"tags":[{},1,null]}`} {
		f.Add(s)
	}
	no := false
	s := &escarp.Schema{Type: []string{"object"}, Required: []string{"id"}, AdditionalPropertiesAllowed: &no,
		Properties: map[string]*escarp.Schema{"id": {Type: []string{"integer"}}, "tags": {Type: []string{"array"}, Items: &escarp.Schema{Type: []string{"string"}}}}}
	s.Properties["child"] = s // recursive
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		if errs := conformance.Validate(s, v); len(errs) > 5 {
			t.Fatalf("%d errors, want at most 5", len(errs))
		}
	})
}
