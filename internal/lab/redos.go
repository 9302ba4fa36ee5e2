package lab

import (
	"regexp/syntax"
	"time"
	"unicode"
)

// backtrack is a deliberately naive backtracking regular-expression
// matcher, the kind many runtimes ship: patterns such as (a+)+$ take
// exponential time on a long run of "a" (flaw rate-redos). It parses with
// regexp/syntax and bounds every search by a deadline so the lab itself
// never hangs.
type backtrack struct {
	re *syntax.Regexp
}

func compileBacktrack(pattern string) (*backtrack, error) {
	if len(pattern) > 1000 {
		return nil, &syntax.Error{Code: syntax.ErrLarge, Expr: pattern[:20]}
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return &backtrack{re: re}, nil
}

// match reports whether the pattern matches anywhere in s; timedOut is
// set when the deadline passed first.
func (b *backtrack) match(s string, deadline time.Time) (matched, timedOut bool) {
	run := &btRun{in: []rune(s), deadline: deadline}
	for start := 0; start <= len(run.in) && !run.timedOut; start++ {
		if run.m(b.re, start, func(int) bool { return true }) {
			return true, false
		}
	}
	return false, run.timedOut
}

type btRun struct {
	in       []rune
	steps    int
	deadline time.Time
	timedOut bool
}

func (b *btRun) m(re *syntax.Regexp, i int, k func(int) bool) bool {
	b.steps++
	if b.steps&1023 == 0 && time.Now().After(b.deadline) {
		b.timedOut = true
	}
	if b.timedOut {
		return false
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch:
		return k(i)
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if i >= len(b.in) {
				return false
			}
			c := b.in[i]
			if c != r && (re.Flags&syntax.FoldCase == 0 || !foldEq(c, r)) {
				return false
			}
			i++
		}
		return k(i)
	case syntax.OpCharClass:
		if i >= len(b.in) {
			return false
		}
		c := b.in[i]
		for j := 0; j+1 < len(re.Rune); j += 2 {
			if c >= re.Rune[j] && c <= re.Rune[j+1] {
				return k(i + 1)
			}
		}
		return false
	case syntax.OpAnyCharNotNL:
		if i >= len(b.in) || b.in[i] == '\n' {
			return false
		}
		return k(i + 1)
	case syntax.OpAnyChar:
		if i >= len(b.in) {
			return false
		}
		return k(i + 1)
	case syntax.OpBeginLine:
		return (i == 0 || b.in[i-1] == '\n') && k(i)
	case syntax.OpEndLine:
		return (i == len(b.in) || b.in[i] == '\n') && k(i)
	case syntax.OpBeginText:
		return i == 0 && k(i)
	case syntax.OpEndText:
		return i == len(b.in) && k(i)
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		at := (i > 0 && isWord(b.in[i-1])) != (i < len(b.in) && isWord(b.in[i]))
		return at == (re.Op == syntax.OpWordBoundary) && k(i)
	case syntax.OpCapture:
		return b.m(re.Sub[0], i, k)
	case syntax.OpStar:
		return b.star(re.Sub[0], i, k)
	case syntax.OpPlus:
		return b.m(re.Sub[0], i, func(j int) bool { return b.star(re.Sub[0], j, k) })
	case syntax.OpQuest:
		return b.m(re.Sub[0], i, k) || k(i)
	case syntax.OpRepeat:
		return b.repeat(re.Sub[0], re.Min, re.Max, i, k)
	case syntax.OpConcat:
		return b.concat(re.Sub, i, k)
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if b.m(sub, i, k) {
				return true
			}
		}
		return false
	}
	return false
}

func (b *btRun) star(sub *syntax.Regexp, i int, k func(int) bool) bool {
	return b.m(sub, i, func(j int) bool { return j != i && b.star(sub, j, k) }) || k(i)
}

func (b *btRun) repeat(sub *syntax.Regexp, lo, hi, i int, k func(int) bool) bool {
	if lo > 0 {
		return b.m(sub, i, func(j int) bool { return b.repeat(sub, lo-1, dec(hi), j, k) })
	}
	if hi == 0 {
		return k(i)
	}
	if hi < 0 {
		return b.star(sub, i, k)
	}
	return b.m(sub, i, func(j int) bool { return j != i && b.repeat(sub, 0, hi-1, j, k) }) || k(i)
}

func dec(n int) int {
	if n < 0 {
		return n
	}
	return n - 1
}

func (b *btRun) concat(subs []*syntax.Regexp, i int, k func(int) bool) bool {
	if len(subs) == 0 {
		return k(i)
	}
	return b.m(subs[0], i, func(j int) bool { return b.concat(subs[1:], j, k) })
}

func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func foldEq(a, b rune) bool {
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}
