package config

import (
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit/hostile"
)

// TestAliasBomb: the document is refused with the file, the line and the
// limit before anything expands it.
func TestAliasBomb(t *testing.T) {
	for name, doc := range map[string]string{
		"bomb": "target: http://127.0.0.1:1\nscan:\n  x:\n" + hostile.Bomb,
		"deep": "target: http://127.0.0.1:1\nscan:\n  x:\n" + hostile.Deep(5000),
	} {
		t.Run(name, func(t *testing.T) {
			err := func() error {
				_, err := Parse("h.yaml", []byte(doc), func(string) (string, bool) { return "", false })
				return err
			}()
			if escarp.KindOf(err) != escarp.Invalid || !strings.Contains(err.Error(), "the limit") || !strings.Contains(err.Error(), "h.yaml:") {
				t.Fatalf("err = %v, want Invalid naming h.yaml and the limit", err)
			}
		})
	}
}
