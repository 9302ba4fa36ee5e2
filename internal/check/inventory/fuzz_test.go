package inventory_test

import (
	"testing"

	"github.com/escarp/escarp/internal/check/inventory"
)

func FuzzParseWordlist(f *testing.F) {
	for _, s := range []string{"/admin high\n# c\n\n/debug", "x y z", "/a info\r\n/b\tlow", "/x extreme"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cands, err := inventory.ParseWordlist("w.txt", []byte(s))
		if err != nil {
			return
		}
		for _, c := range cands {
			if c.Path == "" || c.Path[0] != '/' {
				t.Fatalf("candidate path %q does not start with /", c.Path)
			}
		}
	})
}
