// Package monitor turns observed HTTP exchanges into detector events and
// detector alerts into findings: it names the principal (JWT sub, basic
// user, a hash of an API key, never the secret), decides whether the
// principal is verified, matches the call to an operation by path template
// and recognises login and account operations.
package monitor

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
)

// Meta is what a sensor knows beyond the exchange: sizes from a log line,
// the authenticated user a log names.
type Meta struct {
	ReqBytes, RespBytes int64
	// User is the user a log line names (NGINX $remote_user); it names a
	// basic-auth principal, verified when the status is 2xx.
	User string
}

// Normalizer makes detector events. It is safe for concurrent use.
type Normalizer struct {
	mu         sync.Mutex
	templater  *inventory.Templater
	ops        map[string]*escarp.Operation // "METHOD /template"
	catalogued bool
	keys       jwk.Set
	trusted    *simplelru.LRU[string, struct{}] // tokens the upstream accepted
	sensitive  map[string]int                   // operation → extra weight
}

// NewNormalizer returns a normalizer for the operations of api (nil: none
// known, templates inferred) verifying JWTs against keys (nil: only the
// upstream's 2xx verifies a principal).
func NewNormalizer(api *escarp.API, keys jwk.Set) *Normalizer {
	n := &Normalizer{templater: inventory.NewTemplater(), ops: map[string]*escarp.Operation{}, keys: keys,
		sensitive: map[string]int{}}
	n.trusted, _ = simplelru.NewLRU[string, struct{}](100_000, nil)
	if api != nil {
		for _, op := range api.Operations {
			n.templater.AddTemplate("", op.Path)
			n.ops[op.Method+" "+inventory.Normalize(op.Path)] = op
			n.catalogued = true
		}
	}
	return n
}

// Catalogued reports whether operations are known (shadow and zombie
// detection need them).
func (n *Normalizer) Catalogued() bool { return n.catalogued }

// Sensitize raises the weight of an operation ("GET /boats/{id}") in
// bucket detectors, as when a scan found a flaw on it.
func (n *Normalizer) Sensitize(operation string, weight int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sensitive[operation] = weight
}

// LoadKeys reads a JWKS file.
func LoadKeys(path string) (jwk.Set, error) {
	set, err := jwk.ReadFile(path)
	if err != nil {
		return nil, escarp.Errorf(escarp.Invalid, "monitor.jwks %s: %w", path, err)
	}
	return set, nil
}

// Event normalises one exchange.
func (n *Normalizer) Event(x *escarp.Exchange, m Meta) detect.Event {
	e := detect.Event{Method: strings.ToUpper(x.Method), Status: x.Status, ClientIP: x.ClientIP,
		ReqBytes: m.ReqBytes, RespBytes: m.RespBytes}
	if t, err := time.Parse(time.RFC3339Nano, x.Time); err == nil {
		e.Time = t.UTC()
	}
	var query url.Values
	if u, err := url.Parse(x.URL); err == nil {
		e.Host, e.Path, query = u.Host, u.EscapedPath(), u.Query()
	} else {
		e.Path = x.URL
	}
	if e.Path == "" {
		e.Path = "/"
	}
	if e.RespBytes == 0 {
		e.RespBytes = int64(len(x.ResponseBody))
	}
	if e.ReqBytes == 0 {
		e.ReqBytes = int64(len(x.RequestBody))
	}
	e.Records = records(x.ResponseBody)

	// The operation.
	n.mu.Lock()
	if x.Route != "" {
		e.Template, e.Matched = inventory.Normalize(x.Route), true
	} else if tpl, ok := n.templater.Match("", e.Path); ok {
		e.Template, e.Matched = tpl, true
	} else {
		e.Template = n.templater.Template("", e.Path)
	}
	if op := n.ops[e.Method+" "+e.Template]; op != nil {
		e.Deprecated = op.Deprecated
	} else if n.catalogued && e.Matched && x.Route == "" {
		e.Matched = false // the path matched, the method did not
	}
	e.Sensitivity = n.sensitive[e.Operation()]
	n.mu.Unlock()
	e.ObjectID = lastParam(e.Template, e.Path)

	// The principal.
	var token string
	e.Principal, token = principal(x.RequestHeader, query, m.User)
	e.Verified = n.verify(e.Principal, token, x.Status)

	// Logins and account operations, and the account they name.
	lt := strings.ToLower(e.Template)
	switch {
	case e.Method == "POST" && loginPath.MatchString(lt):
		e.Login = true
	case accountPath.MatchString(lt):
		e.Account = true
	}
	if e.Login || e.Account {
		e.Username = username(x.RequestBody, query)
		if e.Username == "" && e.Login && strings.HasPrefix(e.Principal, "basic:") {
			e.Username = strings.TrimPrefix(e.Principal, "basic:")
		}
	}
	e.Sample = sample(&e, query)
	return e
}

var (
	loginPath   = regexp.MustCompile(`(^|/)(login|signin|sign-in|authenticate|session|sessions|token|oauth/token)$`)
	accountPath = regexp.MustCompile(`(^|/)(register|signup|sign-up|forgot|forgot-password|reset|reset-password|password-reset|password/reset|exists|lookup|check-email|check-username|verify-email)$`)
)

// verify decides whether principal is verified: the token verifies
// against the configured keys, or the upstream accepted this very token
// (a 2xx now or before). A principal without a token (a log's user) is
// verified by its 2xx only.
func (n *Normalizer) verify(principal, token string, status int) bool {
	if principal == "" {
		return false
	}
	ok2xx := status >= 200 && status < 300
	if token == "" {
		return ok2xx
	}
	sum := sha256.Sum256([]byte(token))
	h := hex.EncodeToString(sum[:16])
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.trusted.Contains(h) {
		return true
	}
	verified := ok2xx
	if !verified && n.keys != nil && strings.HasPrefix(principal, "jwt:") {
		_, err := jwt.ParseString(token, jwt.WithKeySet(n.keys, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(false)))
		verified = err == nil
	}
	if verified {
		n.trusted.Add(h, struct{}{})
	}
	return verified
}

// apiKeyHeaders are request headers that carry API keys.
var apiKeyHeaders = []string{"X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token", "Apikey"}

// principal names the caller and returns the credential that proves it
// (for verification; never stored or shown).
func principal(h map[string][]string, query url.Values, user string) (name, token string) {
	get := func(k string) string {
		for hk, vs := range h {
			if strings.EqualFold(hk, k) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
	if a := strings.TrimSpace(get("Authorization")); a != "" {
		scheme, cred, _ := strings.Cut(a, " ")
		cred = strings.TrimSpace(cred)
		switch strings.ToLower(scheme) {
		case "bearer":
			if sub := jwtSubject(cred); sub != "" {
				return "jwt:" + sub, cred
			}
			if cred != "" && cred != "REDACTED" {
				return "token:" + shortHash(cred), cred
			}
		case "basic":
			if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
				if u, _, ok := strings.Cut(string(b), ":"); ok && u != "" {
					return "basic:" + u, cred
				}
			}
		}
	}
	for _, k := range apiKeyHeaders {
		if v := get(k); v != "" && v != "REDACTED" {
			return "key:" + shortHash(v), v
		}
	}
	for _, k := range []string{"api_key", "apikey", "key", "access_token"} {
		if v := query.Get(k); v != "" {
			return "key:" + shortHash(v), v
		}
	}
	if user != "" && user != "-" {
		return "basic:" + user, ""
	}
	return "", ""
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// jwtSubject reads the sub claim of a JWT without verifying it: a name
// only, trusted once verified.
func jwtSubject(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Sub any `json:"sub"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	switch s := c.Sub.(type) {
	case string:
		if len(s) <= 128 {
			return s
		}
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64)
	}
	return ""
}

// username reads the account a login or account call names.
func username(body string, query url.Values) string {
	for _, k := range []string{"username", "email", "login", "user", "user_name", "userName"} {
		if v := query.Get(k); v != "" {
			return strings.ToLower(v)
		}
	}
	body = strings.TrimSpace(body)
	if strings.HasPrefix(body, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) == nil {
			for _, k := range []string{"username", "email", "login", "user", "user_name", "userName"} {
				if s, ok := m[k].(string); ok && s != "" {
					return strings.ToLower(s)
				}
			}
		}
		return ""
	}
	if v, err := url.ParseQuery(body); err == nil {
		for _, k := range []string{"username", "email", "login", "user"} {
			if s := v.Get(k); s != "" {
				return strings.ToLower(s)
			}
		}
	}
	return ""
}

// lastParam returns the value of the template's last parameter in path.
func lastParam(template, path string) string {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return ""
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if strings.HasPrefix(ts[i], "{") {
			return ps[i]
		}
	}
	return ""
}

// records counts the items of a JSON array response, or of the one array
// field of an object ({"items": [...]}).
func records(body string) int {
	body = strings.TrimSpace(body)
	if body == "" || (body[0] != '[' && body[0] != '{') {
		return 0
	}
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return 0
	}
	switch x := v.(type) {
	case []any:
		return len(x)
	case map[string]any:
		n := 0
		for _, f := range x {
			if a, ok := f.([]any); ok {
				n = max(n, len(a))
			}
		}
		return n
	}
	return 0
}

// sample is a one-line, redacted description of the call.
func sample(e *detect.Event, query url.Values) string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	if len(query) > 0 {
		b.WriteString("?")
		keys := make([]string, 0, len(query))
		for k := range query {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k)
			if sensitive.Name(k) {
				b.WriteString("=REDACTED")
			} else {
				b.WriteString("=" + redact.String(query.Get(k)))
			}
		}
	}
	b.WriteString(" → ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Principal != "" {
		b.WriteString(" as " + e.Principal)
		if !e.Verified {
			b.WriteString(" (unverified)")
		}
	}
	b.WriteString(" from " + e.ClientIP)
	return b.String()
}

// ClaimedPrincipal is the principal a request claims, unverified: what the
// proxy checks blocks against on the request path.
func ClaimedPrincipal(h map[string][]string, rawQuery string) string {
	q, _ := url.ParseQuery(rawQuery)
	p, _ := principal(h, q, "")
	return p
}
