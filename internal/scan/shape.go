package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Many APIs answer failures with 200: {"status": "fail", "message": ...},
// {"ok": false, "error": {...}}. Before the checks run, the engine sends a
// few requests known to fail (an unknown route, a protected operation
// without credentials, a login with a wrong password) and learns the
// failure shape of the answers that said 2xx: their scalar markers (a
// boolean, or a short one-word string) and their error members. A 2xx
// answer that carries every marker of a learnt shape is a failure
// whatever its status.

// shape is one learnt failure shape: member → the marker value ("" means
// the member only has to be present, for error objects).
type shape map[string]string

// shapes holds the failure shapes learnt for a target.
type shapes struct {
	mu  sync.RWMutex
	all []shape
}

// errorMembers are members whose presence marks an error object.
var errorMembers = map[string]bool{"error": true, "errors": true, "err": true, "fault": true}

// markerOf returns the failure markers of a JSON answer, or nil.
func markerOf(body []byte) shape {
	var m map[string]any
	if len(body) == 0 || json.Unmarshal(body, &m) != nil {
		return nil
	}
	sh := shape{}
	for k, v := range m {
		lk := strings.ToLower(k)
		switch x := v.(type) {
		case bool:
			sh[lk] = fmt.Sprint(x)
		case string:
			if len(x) <= 20 && !strings.ContainsAny(x, " \t\n") && failureWord(x) {
				sh[lk] = strings.ToLower(x)
			}
		case map[string]any, []any:
			if errorMembers[lk] && x != nil {
				sh[lk] = ""
			}
		}
	}
	if len(sh) == 0 {
		return nil
	}
	return sh
}

// failureWord reports whether a short status string says failure.
func failureWord(s string) bool {
	switch strings.ToLower(s) {
	case "fail", "failed", "failure", "error", "err", "ko", "nok", "false", "denied", "forbidden",
		"unauthorized", "unauthorised", "invalid", "notfound", "not_found", "rejected":
		return true
	}
	return false
}

// add records the shape of a known failure that answered 2xx.
func (s *shapes) add(resp *check.Response) {
	if resp == nil || !resp.OK() || resp.Truncated {
		return
	}
	sh := markerOf(resp.Body)
	if sh == nil {
		return
	}
	// A boolean marker must say false; success-looking booleans alone
	// ({"cached": true}) describe data, not failure.
	hasFailure := false
	for k, v := range sh {
		if v == "" || v == "false" || failureWord(v) {
			hasFailure = true
		}
		if v == "true" {
			delete(sh, k)
		}
	}
	if !hasFailure || len(sh) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.all {
		if sameShape(old, sh) {
			return
		}
	}
	s.all = append(s.all, sh)
}

func sameShape(a, b shape) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// failed reports whether a 2xx answer has a learnt failure shape.
func (s *shapes) failed(resp *check.Response) bool {
	if resp == nil || !resp.OK() || len(resp.Body) == 0 {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.all) == 0 {
		return false
	}
	got := markerOf(resp.Body)
	if got == nil {
		return false
	}
	for _, sh := range s.all {
		match := true
		for k, v := range sh {
			gv, ok := got[k]
			if !ok || gv != v {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// describe returns the learnt shapes for a note, in a stable order.
func (s *shapes) describe() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var parts []string
	for _, sh := range s.all {
		var kv []string
		for _, k := range sortedKeys(sh) {
			if sh[k] == "" {
				kv = append(kv, k+" present")
			} else {
				kv = append(kv, k+"="+sh[k])
			}
		}
		parts = append(parts, "{"+strings.Join(kv, ", ")+"}")
	}
	slices.Sort(parts)
	return strings.Join(parts, " or ")
}

// Usable reports whether resp is a real success: 2xx and not shaped like
// the target's failures.
func (s *Session) Usable(resp *check.Response) bool {
	return resp.OK() && !s.shapes.failed(resp)
}

// A check sees the same: Session.Do sets check.Response.Failed, which
// OK honours.

// learnFailures sends the requests known to fail and learns the shapes of
// those that answered 2xx.
func (r *runner) learnFailures(ctx context.Context) {
	s := r.s
	reqs := []*check.Request{{Method: "GET", Path: "/escarp-no-such-route-7f3a9c"}}
	if op := r.protectedGet(); op != nil {
		if req, err := s.prepare(ctx, op, "", maxCreateDepth); err == nil {
			req.Identity = ""
			reqs = append(reqs, req)
		} else if !strings.Contains(op.Path, "{") {
			reqs = append(reqs, &check.Request{Method: "GET", Path: op.Path, Op: op, Query: url.Values{}})
		}
	}
	for _, req := range reqs {
		if resp, err := s.Do(ctx, req); err == nil {
			s.shapes.add(resp)
		}
	}
	// A login with a wrong password, for the first identity with a login
	// flow.
	for _, id := range r.cfg.Identities {
		if id.Login == nil || id.Login.Request.JSON == nil && id.Login.Request.Form == nil {
			continue
		}
		lr := id.Login.Request
		bad := lr
		if m, ok := jsonable(lr.JSON).(map[string]any); ok {
			cp := map[string]any{}
			for k, v := range m {
				cp[k] = v
				if credentialKey(k) && !strings.Contains(norm(k), "email") {
					cp[k] = "escarp-wrong-password-0"
				}
			}
			bad.JSON = cp
		}
		if lr.Form != nil {
			cp := map[string]string{}
			for k, v := range lr.Form {
				cp[k] = v
				if credentialKey(k) && !strings.Contains(norm(k), "email") {
					cp[k] = "escarp-wrong-password-0"
				}
			}
			bad.Form = cp
		}
		hreq, err := loginRequest(ctx, bad)
		if err != nil {
			break
		}
		resp, body, err := s.sendAuth(ctx, hreq)
		if err == nil {
			s.shapes.add(&check.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})
		}
		break
	}
	if d := s.shapes.describe(); d != "" {
		r.note("the target answers some failures with 2xx: answers shaped %s count as failures", d)
	}
}

// protectedGet returns a protected GET without path parameters, or nil.
func (r *runner) protectedGet() *escarp.Operation {
	for _, op := range r.api.Operations {
		if op.Method == http.MethodGet && !op.Anonymous() && !strings.Contains(op.Path, "{") {
			return op
		}
	}
	return nil
}
