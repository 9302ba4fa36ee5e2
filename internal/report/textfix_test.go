package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestTextFixKeepsExample: a Fix: line that announces an example is
// followed by it, indentation kept, and Markdown emphasis is not printed
// raw.
func TestTextFixKeepsExample(t *testing.T) {
	r := fixture()
	r.Runs[0].Findings[1].Message = "DELETE /users/{id} has **no** security requirement."
	var b bytes.Buffer
	if err := writeText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	want := "Fix: Declare a security requirement on the operation, or globally:\n         security:\n           - bearerAuth: []\n"
	if !strings.Contains(out, want) {
		t.Errorf("text report lacks the fix with its example %q:\n%s", want, out)
	}
	if strings.Contains(out, "**") {
		t.Errorf("text report prints Markdown emphasis raw:\n%s", out)
	}
	if got := fixText("Set `maxLength` on every string property."); got != "Set `maxLength` on every string property." {
		t.Errorf("fixText without example = %q", got)
	}
	if got := fixText("Use a query with placeholders:\n\n    db.Query(q, id)\n      // indented\n\nMore text."); got != "Use a query with placeholders:\n  db.Query(q, id)\n    // indented" {
		t.Errorf("fixText with an indented block = %q", got)
	}
}
