// Package hostile holds the hostile YAML documents the loaders' tests feed
// them: an alias bomb and a deeply nested value. Only tests import it.
package hostile

import "strings"

// Bomb is a "billion laughs": 10^8 nodes once its aliases are expanded,
// as top-level keys a..h (prefix it with the document's own keys).
const Bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
`

// Deep is a top-level key x-deep holding a flow sequence nested n deep.
func Deep(n int) string {
	return "x-deep: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n"
}
