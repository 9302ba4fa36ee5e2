// Package pathglob matches the exclusion globs of escarp code (--exclude,
// code.exclude) against slash-separated paths relative to the analysed
// root, with one meaning for every engine:
//
//   - a glob without a slash names a file or directory at any depth:
//     "testdata" excludes every testdata directory, "*.min.js" every
//     minified script;
//   - a glob with a slash is anchored at the root and may use "**" for any
//     number of directories: "internal/lab", "docs/**/*.md", "**/fixtures";
//   - a glob that matches a directory excludes everything beneath it.
//
// Matching is done by github.com/bmatcuk/doublestar.
package pathglob

import (
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Set is a list of globs; a path is excluded when any of them matches.
type Set []string

// Validate reports the first glob that is not well formed.
func (s Set) Validate() error {
	for _, g := range s {
		if !doublestar.ValidatePattern(clean(g)) {
			return fmt.Errorf("bad glob %q", g)
		}
	}
	return nil
}

// Match reports whether the slash path rel, relative to the root, or one
// of the directories above it is matched by a glob of s.
func (s Set) Match(rel string) bool {
	rel = strings.Trim(strings.TrimPrefix(rel, "./"), "/")
	if len(s) == 0 || rel == "" || rel == "." {
		return false
	}
	for _, g := range s {
		g = clean(g)
		if g == "" {
			continue
		}
		if !strings.Contains(g, "/") {
			for _, name := range strings.Split(rel, "/") {
				if ok, _ := path.Match(g, name); ok {
					return true
				}
			}
			continue
		}
		for p := rel; p != "." && p != ""; p = path.Dir(p) {
			if ok, _ := doublestar.Match(g, p); ok {
				return true
			}
		}
	}
	return false
}

// clean drops a leading "./" or "/" and a trailing "/" or "/**", which
// change nothing: a directory's glob already excludes what is beneath it.
func clean(g string) string {
	g = strings.TrimPrefix(strings.ReplaceAll(g, "\\", "/"), "./")
	g = strings.Trim(g, "/")
	g = strings.TrimSuffix(g, "/**")
	return g
}
