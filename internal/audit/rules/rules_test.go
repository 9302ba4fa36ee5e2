package rules_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/audittest"
	"github.com/escarp/escarp/internal/audit/rules"
)

func TestValidate(t *testing.T) {
	if err := audit.Validate(rules.All()); err != nil {
		t.Fatal(err)
	}
}

var idRE = regexp.MustCompile(`^ESC-(AUTH|AUTHZ|TLS|INPUT|DATA|RATE|ERR|INV|SPEC)-[0-9]{3}$`)

// TestMetadata checks what Validate leaves to the house style: id shape,
// id prefix matching the theme, a remediation with a before/after
// snippet, and the list ordered by theme.
func TestMetadata(t *testing.T) {
	last := -1
	for _, r := range rules.All() {
		if !idRE.MatchString(r.ID) {
			t.Errorf("%s: id does not match %s", r.ID, idRE)
		}
		theme := -1
		for i, th := range audit.Themes {
			if th.Theme == r.Theme {
				theme = i
				if !strings.HasPrefix(r.ID, th.Prefix) {
					t.Errorf("%s: theme %q wants prefix %s", r.ID, r.Theme, th.Prefix)
				}
			}
		}
		if theme < last {
			t.Errorf("%s: rules.All is not ordered by theme", r.ID)
		}
		last = theme
		rem := r.Remediation()
		if !strings.Contains(r.Doc, "How to fix:") || !strings.Contains(rem, "Before") || !strings.Contains(rem, "After") {
			t.Errorf("%s: Doc has no \"How to fix:\" with Before and After snippets", r.ID)
		}
		if r.Description() == "" || len(r.CWE) == 0 {
			t.Errorf("%s: no description or no CWE", r.ID)
		}
	}
}

// TestRules runs every rule over testdata/<ID>.yaml, whose "# want"
// annotations must match the findings exactly, and over its clean twin
// testdata/<ID>.clean.yaml, where the rule must stay silent.
func TestRules(t *testing.T) {
	for _, r := range rules.All() {
		t.Run(r.ID, func(t *testing.T) {
			for _, name := range []string{r.ID + ".yaml", r.ID + ".clean.yaml"} {
				path := filepath.Join("testdata", name)
				data, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("no testdata: %v", err)
					continue
				}
				wants := audittest.Wants(data)
				clean := strings.HasSuffix(name, ".clean.yaml")
				if clean && len(wants) > 0 {
					t.Errorf("%s: a clean twin must not expect findings", path)
				}
				if !clean && len(wants) == 0 {
					t.Errorf("%s: expects no finding", path)
				}
				audittest.Run(t, path, r)
			}
		})
	}
}
