package lab

import (
	"strings"
	"testing"
)

func TestSourceExcerpt(t *testing.T) {
	ex, err := SourceExcerpt("handleWebhookTest")
	if err != nil {
		t.Fatal(err)
	}
	if ex.File != "handlers_tools.go" || ex.Line < 1 || !strings.Contains(ex.Code, "func (l *Lab) handleWebhookTest(") {
		t.Fatalf("excerpt %s:%d:\n%s", ex.File, ex.Line, ex.Code)
	}
	if len(ex.Fixes) != 1 || !strings.Contains(ex.Fixes[0], "checkPublicURL") {
		t.Fatalf("fixes %q: want the twin's branch with checkPublicURL", ex.Fixes)
	}
	if _, err := SourceExcerpt("noSuchHandler"); err == nil {
		t.Fatal("an unknown function must be an error")
	}
}
