package config

import (
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

// bomb is a "billion laughs": 10^8 nodes once its aliases are expanded.
const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
`

// TestAliasBomb: the document is refused with the file, the line and the
// limit before anything expands it.
func TestAliasBomb(t *testing.T) {
	for name, doc := range map[string]string{
		"bomb": "target: http://127.0.0.1:1\nscan:\n  x:\n" + bomb,
		"deep": "target: http://127.0.0.1:1\nscan:\n  x:\n" + "x-deep: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n",
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
