package rules_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
)

var update = flag.Bool("update", false, "rewrite docs/audit.md from the rules")

// TestDocs fails when docs/audit.md is not what the rules generate; run
// "go test ./internal/audit/rules -run TestDocs -update" to regenerate it.
func TestDocs(t *testing.T) {
	var buf bytes.Buffer
	if err := audit.WriteDocs(&buf, rules.All()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "..", "docs", "audit.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/audit/rules -run TestDocs -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("%s is stale: run go test ./internal/audit/rules -run TestDocs -update", path)
	}
}
