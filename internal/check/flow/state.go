package flow

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/escarp/escarp/internal/check/checkkit"
)

// volatile matches members that change on their own (clocks, request
// ids); they are not state.
var volatile = regexp.MustCompile(`(?i)(time|date|_at$|[a-z]At$|timestamp|nonce|request_?id|trace|csrf|expires|etag|version|^now$)`)

// stateKey matches members that hold a workflow state.
var stateKey = regexp.MustCompile(`(?i)^(status|state|stage|phase|step)$`)

// scalars flattens a JSON body to member path → value, volatile members
// left out.
func scalars(body []byte) map[string]string {
	out := map[string]string{}
	var walk func(v any, ptr string, depth int)
	walk = func(v any, ptr string, depth int) {
		if depth > 8 || len(out) > 2000 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if volatile.MatchString(k) {
					continue
				}
				walk(e, ptr+"/"+k, depth+1)
			}
		case []any:
			for i, e := range x {
				if i == 50 {
					break
				}
				walk(e, ptr+"/"+itoa(i), depth+1)
			}
		default:
			out[ptr] = checkkit.Text(x)
		}
	}
	if v := checkkit.Decode(body); v != nil {
		walk(v, "", 0)
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// changes returns the members whose value differs between two snapshots,
// sorted, workflow states first.
func changes(before, after map[string]string) []string {
	var states, others []string
	for k, a := range after {
		if b, ok := before[k]; ok && b != a {
			if stateKey.MatchString(last(k)) {
				states = append(states, k)
			} else {
				others = append(others, k)
			}
		}
	}
	sort.Strings(states)
	sort.Strings(others)
	return append(states, others...)
}

func last(ptr string) string {
	if i := strings.LastIndex(ptr, "/"); i >= 0 {
		return ptr[i+1:]
	}
	return ptr
}

// numeric returns the numeric members of a snapshot.
func numeric(s map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range s {
		if _, err := json.Number(v).Float64(); err == nil && v != "true" && v != "false" {
			out[k] = v
		}
	}
	return out
}
