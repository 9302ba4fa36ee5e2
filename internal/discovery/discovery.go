// Package discovery is what escarp's two ways of finding undocumented
// routes share: the one built-in wordlist and the one model of how a
// server answers paths that do not exist (soft 404s and wildcards).
//
// `escarp discover` (internal/inventory/probe) and the scan's
// undocumented-endpoint check (internal/check/inventory) both probe
// [Builtin] and judge answers with [NotFound], learnt from the random
// paths of [Probes]; they send through their own engine's network edge.
package discovery

import (
	"bufio"
	"bytes"
	"crypto/rand"
	_ "embed" // the built-in wordlist
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/escarp/escarp"
)

//go:embed wordlist.txt
var builtin []byte

// Word is one wordlist entry.
type Word struct {
	// Path starts with "/"; it is relative to the target or to an API
	// prefix.
	Path string
	// Severity is that of a finding when the path answers.
	Severity escarp.Severity
	// NoFinding marks a route that is no finding of its own (an API
	// prefix such as /api/v1): `escarp discover` reports it, the scan's
	// check does not probe it.
	NoFinding bool
}

// Builtin returns the built-in wordlist.
func Builtin() []Word {
	ws, err := ParseWordlist("wordlist.txt", builtin)
	if err != nil {
		panic("discovery: built-in wordlist: " + err.Error()) // TestBuiltin keeps this from happening
	}
	return ws
}

// ParseWordlist reads a wordlist: one path a line, an optional severity
// after it ("none" for no finding; default medium), # comments. name is
// used in errors, which name the line.
func ParseWordlist(name string, data []byte) ([]Word, error) {
	var out []Word
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		w := Word{Path: "/" + strings.TrimLeft(f[0], "/"), Severity: escarp.SeverityMedium}
		if len(f) > 1 {
			if f[1] == "none" {
				w.NoFinding = true
			} else {
				s, err := escarp.ParseSeverity(f[1])
				if err != nil {
					return nil, escarp.InvalidAt(escarp.Position{File: name, Line: line}, "severity %q: %v", f[1], err)
				}
				w.Severity = s
			}
		}
		out = append(out, w)
	}
	return out, sc.Err()
}

// Paths returns the paths of a wordlist, reading it leniently: the first
// field of every line that is not blank or a comment.
func Paths(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		out = append(out, "/"+strings.TrimLeft(f[0], "/"))
	}
	return out
}

func token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Probes returns random paths under prefix ("" for the root, "/api/v2")
// that cannot exist, in the shapes servers special-case: a word, an admin
// lookalike, a nested path, a file and an overlong segment.
func Probes(prefix string) []string {
	return []string{
		prefix + "/escarp-" + token(6),
		prefix + "/admin-" + token(4),
		prefix + "/" + token(5) + "/" + token(5),
		prefix + "/" + token(5) + ".json",
		prefix + "/" + strings.Repeat("A", 200) + token(4),
	}
}

// NotFound is how a server answers paths that do not exist (under one
// prefix). The zero NotFound knows no answer.
type NotFound struct {
	answers []answer
}

// answer is one learnt answer, measured.
type answer struct {
	status       int
	length       int
	adjusted     int // the length with the requested path taken out
	words, lines int
	body         []byte // with the requested path taken out
}

func measure(path string, status int, body []byte) answer {
	un := unreflect(body, path)
	return answer{status: status, length: len(body), adjusted: len(body) - bytes.Count(body, []byte(path))*len(path),
		words: len(bytes.Fields(body)), lines: bytes.Count(body, []byte("\n")) + 1, body: un}
}

// unreflect removes the requested path (and its last segment) from body,
// so pages that echo the path compare equal.
func unreflect(body []byte, path string) []byte {
	if path == "" {
		return body
	}
	body = bytes.ReplaceAll(body, []byte(path), nil)
	if i := strings.LastIndexByte(path, '/'); i >= 0 && len(path)-i > 3 {
		body = bytes.ReplaceAll(body, []byte(path[i+1:]), nil)
	}
	return body
}

// Learn records the answer to a path that cannot exist.
func (n *NotFound) Learn(path string, status int, body []byte) {
	n.answers = append(n.answers, measure(path, status, body))
}

// Known reports whether n has learnt any answer.
func (n *NotFound) Known() bool { return n != nil && len(n.answers) > 0 }

// Matches reports whether the answer to path looks like the server's
// answer to paths that do not exist: a 404, 410 or server error (but 501),
// or the status of a learnt answer with the same length (also once the
// echoed path is taken out), the same word and line counts, or a similar
// body ([Similar]).
func (n *NotFound) Matches(path string, status int, body []byte) bool {
	if status == http.StatusNotFound || status == http.StatusGone || status >= 500 && status != http.StatusNotImplemented {
		return true
	}
	if n == nil {
		return false
	}
	m := measure(path, status, body)
	for _, a := range n.answers {
		if a.status != m.status {
			continue
		}
		if a.length == m.length || a.adjusted == m.adjusted || (a.words == m.words && a.lines == m.lines) || Similar(a.body, m.body) {
			return true
		}
	}
	return false
}

// Similar reports whether two bodies are alike: equal, or within 10% in
// length (or 32 bytes) with most of their words in common.
func Similar(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return la == lb
	}
	if d := max(la-lb, lb-la); d*10 > max(la, lb) && d > 32 {
		return false
	}
	wa, wb := words(a), words(b)
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	return common*10 >= 8*max(len(wa), len(wb))
}

func words(b []byte) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(string(b), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		m[w] = true
	}
	return m
}
