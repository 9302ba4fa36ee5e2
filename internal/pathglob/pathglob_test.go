package pathglob

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		globs []string
		rel   string
		want  bool
	}{
		{[]string{"testdata"}, "internal/sast/testdata/vulnapi/main.go", true},
		{[]string{"testdata"}, "internal/sast/testdatax/main.go", false},
		{[]string{"*.min.js"}, "web/static/app.min.js", true},
		{[]string{"*.min.js"}, "web/static/app.js", false},
		{[]string{"internal/lab"}, "internal/lab/handlers.go", true},
		{[]string{"internal/lab"}, "cmd/internal/lab/x.go", false},
		{[]string{"./internal/lab/"}, "internal/lab/x.go", true},
		{[]string{"**/testdata/**"}, "a/b/testdata/c/d.go", true},
		{[]string{"**/testdata/**"}, "testdata/x.go", true},
		{[]string{"docs/**/*.md"}, "docs/a/b/c.md", true},
		{[]string{"docs/**/*.md"}, "docs/c.md", true},
		{[]string{"docs/**/*.md"}, "src/c.md", false},
		{[]string{"**/*_test.go"}, "x/y_test.go", true},
		{[]string{"*_test.go"}, "x/y_test.go", true},
		{[]string{"vendor/*"}, "vendor/a/b.go", true},
		{[]string{"testdata"}, "internal/secrets/testdata", true},
		{[]string{"*.pem"}, "a/b/key.pem", true},
		{[]string{"internal/**/testdata"}, "internal/a/b/testdata/f", true},
		{[]string{"internal/**/testdata"}, "internal/testdata/f", true},
		{[]string{"c/**/*.env"}, "c/d/e.env", true},
		{[]string{"c/**/*.env"}, "d/e.env", false},
		{[]string{"/docs/"}, "docs/a.md", true},
		{[]string{""}, "a", false},
		{nil, "a.go", false},
		{[]string{"a"}, ".", false},
	} {
		if got := Set(c.globs).Match(c.rel); got != c.want {
			t.Errorf("%q.Match(%q) = %v, want %v", c.globs, c.rel, got, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := (Set{"a/**/b", "*.go", "testdata"}).Validate(); err != nil {
		t.Errorf("good globs: %v", err)
	}
	if err := (Set{"ok", "a/[b"}).Validate(); err == nil {
		t.Error("a/[b: no error")
	}
}
