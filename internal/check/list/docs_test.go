package list

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/scan.md")

// checksMarker starts the generated part of docs/scan.md.
const checksMarker = "## Checks\n"

// writeChecks renders every check's documentation from its Info, so the
// docs and the code cannot drift.
func writeChecks(b *bytes.Buffer, checks []check.Check) {
	b.WriteString(checksMarker)
	b.WriteString("\n<!-- Generated from the checks' metadata by `go test ./internal/check/list -run TestScanDocs -update`; do not edit. -->\n\n")
	fmt.Fprintf(b, "%d checks, in the order the engine runs them. The family pages, [checks-authz.md](checks-authz.md) and\n", len(checks))
	b.WriteString("[checks-attack.md](checks-attack.md), add the false-positive rules and tuning knobs of each family.\n")
	b.WriteString("Select checks with `--checks`/`--skip-checks` (ids, id prefixes such as `ESC-DAST-INJ`, or OWASP categories such as `API1`).\n\n")
	b.WriteString("| id | title | severity | OWASP | CWE |\n|---|---|---|---|---|\n")
	for _, c := range checks {
		in := c.Info()
		fmt.Fprintf(b, "| [%s](#%s) | %s | %s | %s | %s |\n", in.ID, strings.ToLower(in.ID), in.Title, in.Severity, in.OWASP, strings.Join(in.CWE, ", "))
	}
	for _, c := range checks {
		in := c.Info()
		fmt.Fprintf(b, "\n### %s\n\n**%s.** Severity %s; %s %s; %s.", in.ID, in.Title, in.Severity, in.OWASP,
			escarp.OWASPTop10[in.OWASP], strings.Join(in.CWE, ", "))
		scope := "runs on every operation"
		if in.Scope == check.PerAPI {
			scope = "runs once per API"
		}
		var needs []string
		if in.Requires.Identities > 0 {
			needs = append(needs, fmt.Sprintf("%d identities", in.Requires.Identities))
		}
		if in.Requires.Privileged {
			needs = append(needs, "a privileged identity")
		}
		if in.Requires.Mutating {
			needs = append(needs, "sends writes")
		}
		if in.Requires.Destructive {
			needs = append(needs, "destructive: only with --allow-destructive")
		}
		if in.Requires.Callback {
			needs = append(needs, "the callback listener")
		}
		fmt.Fprintf(b, " It %s", scope)
		if len(needs) > 0 {
			fmt.Fprintf(b, " (needs %s)", strings.Join(needs, ", "))
		}
		b.WriteString(".\n")
		if d := strings.TrimSpace(in.Description); d != "" {
			fmt.Fprintf(b, "\n%s\n", d)
		}
		if r := strings.TrimSpace(in.Remediation); r != "" {
			fmt.Fprintf(b, "\n**How to fix.** %s\n", r)
		}
	}
}

func TestScanDocs(t *testing.T) {
	path := filepath.Join("..", "..", "..", "docs", "scan.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte(checksMarker))
	if i < 0 {
		t.Fatalf("%s has no %q section", path, strings.TrimSpace(checksMarker))
	}
	var want bytes.Buffer
	want.Write(data[:i])
	writeChecks(&want, All())
	if bytes.Equal(want.Bytes(), data) {
		return
	}
	if *update {
		if err := os.WriteFile(path, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale: run go test ./internal/check/list -run TestScanDocs -update", path)
}

func TestEveryCheckDocumented(t *testing.T) {
	for _, c := range All() {
		in := c.Info()
		if strings.TrimSpace(in.Description) == "" || strings.TrimSpace(in.Remediation) == "" {
			t.Errorf("%s: Description and Remediation are required (they are its documentation)", in.ID)
		}
	}
}
