package authn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// loginPath matches the paths of login operations.
var loginPath = regexp.MustCompile(`(?i)/(log-?in|sign-?in|authenticate|auth|token|tokens|sessions?|oauth/token)(/|$)`)

var (
	userField = regexp.MustCompile(`(?i)^(user(_?name)?|login|e-?mail(_?address)?|account|identifier|phone)$`)
	passField = regexp.MustCompile(`(?i)^(pass(word)?|passwd|pwd)$`)
)

// loginOp is a login operation and the names of its user and password
// fields.
type loginOp struct {
	op         *escarp.Operation
	user, pass string
	form       bool // application/x-www-form-urlencoded rather than JSON
}

// notLogin matches operations under a login-like path that create
// accounts or handle tokens and passwords rather than log in
// ("/auth/register", "/auth/refresh", "/auth/password/reset").
var notLogin = regexp.MustCompile(`(?i)(regist|sign-?up|join|create|refresh|revoke|logout|password|reset|verify|confirm|invite)`)

// findLogin returns the API's login operation: a POST on a login-like path
// whose body has a user and a password field, and which does not register
// accounts or refresh tokens.
func findLogin(api *escarp.API) (loginOp, bool) {
	for _, op := range api.Operations {
		if op.Method != http.MethodPost || !loginPath.MatchString(op.Path) || op.RequestBody == nil {
			continue
		}
		if notLogin.MatchString(op.Path) || notLogin.MatchString(op.ID) {
			continue
		}
		for _, m := range op.RequestBody.Content {
			mt := strings.ToLower(m.MediaType)
			form := strings.Contains(mt, "x-www-form-urlencoded")
			if !form && !strings.Contains(mt, "json") {
				continue
			}
			props, _ := checkkit.Properties(m.Schema)
			names := make([]string, 0, len(props))
			for n := range props {
				names = append(names, n)
			}
			sort.Strings(names)
			l := loginOp{op: op, form: form}
			for _, n := range names {
				switch {
				case l.user == "" && userField.MatchString(n):
					l.user = n
				case l.pass == "" && passField.MatchString(n):
					l.pass = n
				}
			}
			if l.user != "" && l.pass != "" {
				return l, true
			}
		}
	}
	return loginOp{}, false
}

// request builds a login attempt for user with password, on top of the
// engine's prepared body when there is one (for other required fields).
func (l loginOp) request(ctx context.Context, p *check.Pass, user, password string) (*check.Request, error) {
	req, skip, err := checkkit.Prepare(ctx, p, l.op, "")
	if err != nil {
		return nil, err
	}
	if skip {
		req = &check.Request{Method: http.MethodPost, Path: l.op.Path, Query: url.Values{}, Header: http.Header{}, Op: l.op}
	}
	req = checkkit.As(req, "")
	if l.form {
		vals, _ := url.ParseQuery(string(req.Body))
		if vals == nil {
			vals = url.Values{}
		}
		vals.Set(l.user, user)
		vals.Set(l.pass, password)
		req.Body = []byte(vals.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
	body, ok := checkkit.WithFields(req.Body, map[string]any{l.user: user, l.pass: password})
	if !ok {
		body, _ = json.Marshal(map[string]string{l.user: user, l.pass: password})
	}
	req.Body = body
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// attemptTimeout bounds one login attempt, including the engine's wait on
// a 429's Retry-After: the login checks stop at the first 429 rather than
// wait it out.
const attemptTimeout = 4 * time.Second

// attempt sends one login attempt. A 429 comes back as soon as the
// attempt's time is up, without the engine's retries.
func attempt(ctx context.Context, p *check.Pass, req *check.Request) (*check.Response, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	return p.Session.Do(actx, req)
}

// throttled reports whether an answer shows rate limiting or a lockout.
func throttled(resp *check.Response) bool {
	if resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusLocked || resp.Status == http.StatusServiceUnavailable {
		return true
	}
	if resp.Header.Get("Retry-After") != "" {
		return true
	}
	b := strings.ToLower(string(resp.Body))
	for _, w := range []string{"too many", "locked", "lockout", "try again later", "captcha", "rate limit", "slow down", "temporarily blocked"} {
		if strings.Contains(b, w) {
			return true
		}
	}
	return false
}

// signature is what an enumeration compares: the status and the body with
// the user names and volatile members taken out.
func signature(resp *check.Response, names ...string) string {
	body := string(resp.Body)
	for _, n := range names {
		if n != "" {
			body = strings.ReplaceAll(body, n, "<user>")
		}
	}
	if v := checkkit.Decode([]byte(body)); v != nil {
		body = canonical(v)
	} else {
		body = string(bytes.TrimSpace([]byte(body)))
	}
	return fmt.Sprintf("%d %s", resp.Status, body)
}

// canonical renders decoded JSON with volatile members removed.
func canonical(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if !volatile.MatchString(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for _, k := range keys {
			fmt.Fprintf(&b, "%q:%s,", k, canonical(x[k]))
		}
		b.WriteString("}")
		return b.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canonical(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		return checkkit.Text(x)
	}
}

var volatile = regexp.MustCompile(`(?i)(time|date|_at$|timestamp|nonce|request_?id|trace|csrf|expires|^now$|duration)`)
