package scan

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Safe by default: without --allow-destructive the engine never calls an
// operation whose name says it destroys state wholesale (reset, seed,
// purge, drop, logout-all...), never calls an operation whose purpose is
// to change a configured identity's password or email, and strips
// password and email members from the bodies of writes that configured
// identities send to user-like resources (a mass-assignment probe must not
// lock an identity out or leave its account altered).

// destructiveWords are path, operationId and summary tokens that name a
// wholesale destructive action.
var destructiveWords = map[string]bool{
	"reset": true, "resetdb": true, "init": true, "initdb": true, "initialize": true, "initialise": true,
	"seed": true, "seeddb": true, "setup": true, "drop": true, "dropdb": true, "purge": true, "wipe": true,
	"truncate": true, "flush": true, "flushall": true, "nuke": true, "destroy": true, "factoryreset": true,
	"reinit": true, "reinitialize": true, "populate": true, "teardown": true,
}

// allWords are actions that are destructive when they apply to all
// ("logout-all", "revoke-all", "delete-all").
var allWords = map[string]bool{"logout": true, "signout": true, "revoke": true, "delete": true,
	"remove": true, "clear": true, "expire": true, "invalidate": true}

// credentialWords name a credential or an address that identifies a user.
var credentialWords = map[string]bool{"password": true, "passwd": true, "pwd": true, "passphrase": true,
	"credential": true, "credentials": true, "email": true, "mail": true, "mfa": true, "totp": true,
	"2fa": true, "otp": true, "pin": true}

// userWords name user-like resources.
var userWords = map[string]bool{"user": true, "users": true, "me": true, "self": true, "account": true,
	"accounts": true, "profile": true, "profiles": true, "people": true, "person": true, "member": true,
	"members": true, "customer": true, "customers": true, "identity": true, "settings": true}

var camelRE = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// tokens splits a path, operationId or sentence into lower-case words:
// "/api/reset-db" gives api, reset, db, resetdb; "logoutAll" gives logout,
// all, logoutall.
func tokens(s string) []string {
	s = camelRE.ReplaceAllString(s, "$1 $2")
	var out []string
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '/' || unicode.IsSpace(r) || r == '{' || r == '}' || r == '.' || r == ',' || r == '?' || r == '=' || r == '&' || r == '(' || r == ')'
	}) {
		parts := strings.FieldsFunc(strings.ToLower(seg), func(r rune) bool { return r == '-' || r == '_' })
		out = append(out, parts...)
		if len(parts) > 1 {
			out = append(out, strings.Join(parts, ""))
		}
	}
	return out
}

// destructiveTokens reports whether words name a wholesale destructive
// action.
func destructiveTokens(words []string) bool {
	for i, w := range words {
		if destructiveWords[w] {
			return true
		}
		if allWords[w] && i+1 < len(words) && (words[i+1] == "all" || words[i+1] == "everything" || words[i+1] == "sessions") {
			return true
		}
		for a := range allWords {
			if w == a+"all" {
				return true
			}
		}
	}
	return false
}

var destructiveSummary = regexp.MustCompile(`(?i)\b(reset|wipe|purge|truncate|drop|seed|re-?initiali[sz]e|initiali[sz]e|clear|erase)s?\b.{0,40}\b(database|db|data|everything|all|tables?|store|state|fixtures)\b`)

// destructiveOp reports whether op's path, operationId or summary says it
// destroys state wholesale.
func destructiveOp(op *escarp.Operation) bool {
	if op == nil {
		return false
	}
	if destructiveTokens(tokens(staticPath(op.Path))) || destructiveTokens(tokens(op.ID)) {
		return true
	}
	return destructiveSummary.MatchString(op.Summary)
}

// staticPath drops the {parameters} of a template, whose names say
// nothing about what the operation does.
func staticPath(p string) string {
	var b strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '{':
			depth++
		case r == '}':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// credentialOp reports whether op is a write whose purpose is to change a
// credential or email of the caller ("PUT /users/me/password",
// "changeEmail"): its literal path or operationId names one. Login and
// registration operations (which need no authentication) are not.
func credentialOp(op *escarp.Operation) bool {
	if op == nil || op.Anonymous() {
		return false
	}
	switch op.Method {
	case "POST", "PUT", "PATCH":
	default:
		return false
	}
	for _, w := range append(tokens(staticPath(op.Path)), tokens(op.ID)...) {
		if credentialWords[w] {
			return true
		}
	}
	return false
}

// userPath reports whether a concrete or template path names a user-like
// resource.
func userPath(p string) bool {
	for _, w := range tokens(p) {
		if userWords[w] {
			return true
		}
	}
	return false
}

// credentialKey reports whether a body member name is a password or email.
func credentialKey(k string) bool {
	n := norm(k)
	return strings.Contains(n, "password") || strings.Contains(n, "passwd") || n == "pwd" || n == "pass" ||
		strings.Contains(n, "email") || n == "mail"
}

// stripCredentials returns a JSON body without its password and email
// members (top level and one level down), and whether it removed any.
func stripCredentials(body []byte) ([]byte, bool) {
	var m map[string]any
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &m) != nil {
		return body, false
	}
	removed := false
	for k, v := range m {
		if credentialKey(k) {
			delete(m, k)
			removed = true
			continue
		}
		if inner, ok := v.(map[string]any); ok {
			for ik := range inner {
				if credentialKey(ik) {
					delete(inner, ik)
					removed = true
				}
			}
		}
	}
	if !removed {
		return body, false
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body, false
	}
	return out, true
}

// guard remembers what the safety rules withheld, for the run's notes.
type guard struct {
	mu       sync.Mutex
	withheld map[string]string // operation or path → why
	stripped map[string]bool
}

func (g *guard) withhold(key, why string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.withheld == nil {
		g.withheld = map[string]string{}
	}
	if len(g.withheld) < 20 {
		g.withheld[key] = why
	}
}

func (g *guard) strip(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stripped == nil {
		g.stripped = map[string]bool{}
	}
	if len(g.stripped) < 20 {
		g.stripped[key] = true
	}
}

// notes returns one line per withheld operation and one for the stripped
// bodies, in a stable order.
func (g *guard) notes() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, k := range sortedKeys(g.withheld) {
		out = append(out, k+" was not called: "+g.withheld[k]+" (use --allow-destructive)")
	}
	if len(g.stripped) > 0 {
		out = append(out, "password and email members were left out of writes to "+strings.Join(sortedKeys(g.stripped), ", ")+
			" sent as configured identities, so that no identity is locked out or altered (use --allow-destructive)")
	}
	return out
}

// opMatcher matches concrete paths to an operation's template.
type opMatcher struct {
	op *escarp.Operation
	re *regexp.Regexp
}

func newMatchers(api *escarp.API) []opMatcher {
	if api == nil {
		return nil
	}
	var out []opMatcher
	for _, op := range api.Operations {
		var b strings.Builder
		b.WriteString("^")
		rest := op.Path
		for {
			i := strings.Index(rest, "{")
			j := strings.Index(rest, "}")
			if i < 0 || j < i {
				b.WriteString(regexp.QuoteMeta(rest))
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:i]))
			b.WriteString("[^/]+")
			rest = rest[j+1:]
		}
		b.WriteString("/?$")
		re, err := regexp.Compile(b.String())
		if err == nil {
			out = append(out, opMatcher{op: op, re: re})
		}
	}
	return out
}

// matchOp returns the operation a concrete path and method exercise, or
// nil. Literal templates win over parameterised ones.
func (s *Session) matchOp(method, path string) *escarp.Operation {
	var best *escarp.Operation
	for _, m := range s.matchers {
		if m.op.Method != method || !m.re.MatchString(path) {
			continue
		}
		if best == nil || strings.Count(m.op.Path, "{") < strings.Count(best.Path, "{") {
			best = m.op
		}
	}
	return best
}

// unsafeWhy returns why the safety rules withhold a request, or "".
func (s *Session) unsafeWhy(req *check.Request, method string) (key, why string) {
	if s.cfg.AllowDestructive {
		return "", ""
	}
	path, _, _ := strings.Cut(req.Path, "?")
	op := req.Op
	if op == nil {
		op = s.matchOp(method, path)
	}
	switch {
	case op != nil && destructiveOp(op):
		return op.Key(), "its name says it destroys data"
	case op == nil && destructiveTokens(tokens(path)):
		return method + " " + path, "its path names a destructive action"
	case op != nil && req.Identity != "" && s.all[req.Identity] != nil && credentialOp(op):
		return op.Key(), "it changes the password or email of a configured identity"
	}
	return "", ""
}

// safeBody returns req, or a copy without password and email members when
// a configured identity writes to a user-like resource.
func (s *Session) safeBody(req *check.Request, method string) *check.Request {
	if s.cfg.AllowDestructive || req.Identity == "" || s.all[req.Identity] == nil || len(req.Body) == 0 {
		return req
	}
	switch method {
	case "POST", "PUT", "PATCH":
	default:
		return req
	}
	tmpl := req.Path
	if req.Op != nil {
		tmpl = req.Op.Path
	}
	if !userPath(tmpl) {
		return req
	}
	body, ok := stripCredentials(req.Body)
	if !ok {
		return req
	}
	cp := req.Clone()
	cp.Body = body
	s.guard.strip(method + " " + tmpl)
	return cp
}
