package yamllimit_test

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	pbyaml "github.com/pb33f/go-yaml"
	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit"
)

func parse(t *testing.T, src string) (*yaml.Node, *pbyaml.Node) {
	t.Helper()
	var a yaml.Node
	if err := yaml.Unmarshal([]byte(src), &a); err != nil {
		t.Fatalf("yaml.v3: %v", err)
	}
	var b pbyaml.Node
	if err := pbyaml.Unmarshal([]byte(src), &b); err != nil {
		t.Fatalf("pb33f: %v", err)
	}
	return &a, &b
}

// both runs Check and CheckPB, which must agree.
func both(t *testing.T, l yamllimit.Limits, src string) error {
	t.Helper()
	a, b := parse(t, src)
	ea, eb := l.Check("f.yaml", a), l.CheckPB("f.yaml", b)
	if (ea == nil) != (eb == nil) || ea != nil && ea.Error() != eb.Error() {
		t.Fatalf("Check = %v, CheckPB = %v: want the same", ea, eb)
	}
	return ea
}

func invalid(t *testing.T, err error, line int, want string) {
	t.Helper()
	var e *escarp.Error
	if !errors.As(err, &e) || e.Kind != escarp.Invalid {
		t.Fatalf("err = %v, want an Invalid escarp.Error", err)
	}
	if e.Pos.File != "f.yaml" || e.Pos.Line != line {
		t.Errorf("position = %v, want f.yaml:%d", e.Pos, line)
	}
	if !strings.Contains(e.Message, want) {
		t.Errorf("message = %q, want it to contain %q", e.Message, want)
	}
}

func TestBillionLaughs(t *testing.T) {
	src, err := os.ReadFile("testdata/bomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = both(t, yamllimit.Limits{}, string(src))
	runtime.ReadMemStats(&after)
	// x-g (line 10) holds 9^7 = 4.8 million nodes once expanded: its
	// aliases cross the million.
	invalid(t, err, 10, "past the limit: more than 1000000 nodes on top of the 111 written")
	if !strings.Contains(err.Error(), "past the limit") {
		t.Errorf("error %q does not name the limit", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("measuring a 400-byte bomb allocated %d bytes, want < 1 MB", got)
	}
}

func TestAliasesWithinLimit(t *testing.T) {
	src := "common: &c {type: string, maxLength: 10}\na: *c\nb: *c\nc: [*c, *c, *c]\n"
	if err := both(t, yamllimit.Limits{}, src); err != nil {
		t.Fatalf("Check = %v, want nil for a few aliases", err)
	}
	// The same document fails once aliases may add only 10 nodes: each
	// alias of the 5-node mapping adds 5.
	invalid(t, both(t, yamllimit.Limits{MaxAliasNodes: 10}, src), 4, "past the limit")
}

func TestDepth(t *testing.T) {
	deep := func(n int) string { return "x: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n" }
	if err := both(t, yamllimit.Limits{}, deep(900)); err != nil {
		t.Fatalf("900 levels: %v, want nil", err)
	}
	invalid(t, both(t, yamllimit.Limits{}, deep(5000)), 1, "deeper than the limit of 1000 levels")
	// Depth through aliases: each alias nests the anchor one level deeper.
	var b strings.Builder
	b.WriteString("a0: &a0 [x]\n")
	for i := 1; i <= 20; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [*a" + strconv.Itoa(i-1) + "]\n")
	}
	invalid(t, both(t, yamllimit.Limits{MaxDepth: 10}, b.String()), 10, "aliases followed, is deeper than the limit of 10 levels")
}

func TestNil(t *testing.T) {
	if err := yamllimit.Check("f", nil); err != nil {
		t.Fatal(err)
	}
	if err := yamllimit.CheckPB("f", nil); err != nil {
		t.Fatal(err)
	}
}

// Both parsers accept an alias inside its own anchor; anything following
// aliases would loop for ever.
func TestAliasInsideItsAnchor(t *testing.T) {
	invalid(t, both(t, yamllimit.Limits{}, "ok: 1\na: &a [1, *a]\n"), 2, "refers to a node that contains it")
}
