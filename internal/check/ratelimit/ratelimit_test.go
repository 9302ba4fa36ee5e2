package ratelimit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp/syntax"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/ratelimit"
)

const api = `
openapi: 3.0.3
info: {title: marina, version: "1"}
paths:
  /auth/login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}
      responses: {"200": {description: ok}, "401": {description: no}}
  /berths:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, default: 20}}
      responses: {"200": {description: ok}}
  /reviews:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [body], properties: {body: {type: string, example: Lovely}}}
      responses: {"201": {description: ok}}
  /boats/search:
    get:
      parameters:
        - {name: pattern, in: query, required: true, schema: {type: string}, example: Kitti}
      responses: {"200": {description: ok}}
`

// slowSearchBudget bounds the backtracking search like a server deadline.
const slowSearchBudget = 600 * time.Millisecond

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func marina(vulnerable bool) http.Handler {
	mux := http.NewServeMux()
	login := rate.NewLimiter(rate.Every(time.Second), 5)
	mux.HandleFunc("POST /auth/login", func(w http.ResponseWriter, r *http.Request) {
		if !vulnerable && !login.Allow() {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, map[string]string{"error": "too many attempts"})
			return
		}
		writeJSON(w, 401, map[string]string{"error": "invalid credentials"})
	})
	mux.HandleFunc("GET /berths", func(w http.ResponseWriter, r *http.Request) {
		limit := 20
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || (!vulnerable && n > 100) {
				writeJSON(w, 400, map[string]string{"error": "limit is 1 to 100"})
				return
			}
			limit = n
		}
		items := make([]map[string]int, min(limit, 500))
		for i := range items {
			items[i] = map[string]int{"id": i + 1}
		}
		writeJSON(w, 200, map[string]any{"items": items, "limit": limit})
	})
	mux.HandleFunc("POST /reviews", func(w http.ResponseWriter, r *http.Request) {
		body := r.Body
		if !vulnerable {
			body = http.MaxBytesReader(w, r.Body, 16<<10)
		}
		var in struct{ Body string }
		if err := json.NewDecoder(body).Decode(&in); err != nil {
			writeJSON(w, 413, map[string]string{"error": "too large"})
			return
		}
		writeJSON(w, 201, map[string]int{"length": len(in.Body)})
	})
	search := rate.NewLimiter(5, 10)
	mux.HandleFunc("GET /boats/search", func(w http.ResponseWriter, r *http.Request) {
		if !vulnerable && !search.Allow() {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, map[string]string{"error": "slow down"})
			return
		}
		pattern := r.URL.Query().Get("pattern")
		notes := "Log: " + strings.Repeat("a", 40) + "!"
		var hit bool
		if vulnerable {
			re, err := syntax.Parse(pattern, syntax.Perl)
			if err != nil {
				writeJSON(w, 400, map[string]string{"error": "bad pattern"})
				return
			}
			hit = backtrack(re, []rune(notes), time.Now().Add(slowSearchBudget))
		} else {
			hit = strings.Contains(notes, pattern)
		}
		writeJSON(w, 200, map[string]bool{"hit": hit})
	})
	return mux
}

// backtrack is a naive backtracking matcher (literals, classes, groups,
// alternation, + * ?, $), bounded by deadline: the kind that makes
// (a+)+$ exponential.
func backtrack(re *syntax.Regexp, in []rune, deadline time.Time) bool {
	steps, late := 0, false
	var m func(re *syntax.Regexp, i int, k func(int) bool) bool
	m = func(re *syntax.Regexp, i int, k func(int) bool) bool {
		if steps++; steps&1023 == 0 && time.Now().After(deadline) {
			late = true
		}
		if late {
			return false
		}
		switch re.Op {
		case syntax.OpLiteral:
			for _, r := range re.Rune {
				if i >= len(in) || in[i] != r {
					return false
				}
				i++
			}
			return k(i)
		case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			if i >= len(in) {
				return false
			}
			if re.Op == syntax.OpCharClass {
				ok := false
				for j := 0; j+1 < len(re.Rune); j += 2 {
					ok = ok || in[i] >= re.Rune[j] && in[i] <= re.Rune[j+1]
				}
				if !ok {
					return false
				}
			}
			return k(i + 1)
		case syntax.OpCapture:
			return m(re.Sub[0], i, k)
		case syntax.OpConcat:
			var seq func(j, i int) bool
			seq = func(j, i int) bool {
				if j == len(re.Sub) {
					return k(i)
				}
				return m(re.Sub[j], i, func(n int) bool { return seq(j+1, n) })
			}
			return seq(0, i)
		case syntax.OpAlternate:
			for _, s := range re.Sub {
				if m(s, i, k) {
					return true
				}
			}
			return false
		case syntax.OpPlus, syntax.OpStar:
			var more func(i int, first bool) bool
			more = func(i int, first bool) bool {
				if !first || re.Op == syntax.OpStar {
					if k(i) {
						return true
					}
				}
				return m(re.Sub[0], i, func(n int) bool { return n > i && more(n, false) })
			}
			return more(i, true)
		case syntax.OpQuest:
			return m(re.Sub[0], i, k) || k(i)
		case syntax.OpEndText, syntax.OpEndLine:
			return i == len(in) && k(i)
		case syntax.OpBeginText, syntax.OpBeginLine:
			return i == 0 && k(i)
		case syntax.OpEmptyMatch:
			return k(i)
		}
		return false
	}
	for start := 0; start <= len(in) && !late; start++ {
		if m(re, start, func(int) bool { return true }) {
			return true
		}
	}
	return false
}

func TestRateChecks(t *testing.T) {
	a := checktest.API(t, api)
	tests := []struct {
		check check.Check
		op    string
		want  string
	}{
		{&ratelimit.Burst{Requests: 30}, "", "[GET /boats/search [] POST /auth/login []]"},
		{&ratelimit.PageSize{}, "GET /berths", "[GET /berths [query:limit]]"},
		{&ratelimit.Oversize{}, "POST /reviews", "[POST /reviews [body:/body]]"},
		{&ratelimit.ReDoS{Slowdown: 300 * time.Millisecond}, "GET /boats/search", "[GET /boats/search [query:pattern]]"},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			var opts []checktest.Option
			if tt.op != "" {
				opts = append(opts, checktest.Operations(tt.op))
			}
			got := checktest.Keys(t, id, checktest.Run(t, tt.check, marina(true), a, opts...))
			if fmt.Sprint(got) != tt.want {
				t.Errorf("vulnerable: got %q, want %q", got, tt.want)
			}
			if got := checktest.Keys(t, id, checktest.Run(t, tt.check, marina(false), a, opts...)); len(got) != 0 {
				t.Errorf("safe twin: got %q", got)
			}
		})
	}
}
