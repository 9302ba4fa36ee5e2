package scan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Identity is one entry of the `identities` section of escarp.yaml: static
// headers and cookies, a login flow, or OAuth2 client credentials.
type Identity struct {
	Name string `yaml:"name"`
	// Headers and Cookies are sent with every request of this identity.
	Headers map[string]string `yaml:"headers"`
	Cookies map[string]string `yaml:"cookies"`
	// Login obtains a token by sending a request; it is refreshed on 401
	// and before it expires.
	Login *Login `yaml:"login"`
	// OAuth2 obtains a token with the client credentials grant.
	OAuth2 *OAuth2 `yaml:"oauth2"`
	// Privileged marks an identity that may do what the others may not
	// (the baseline of function-level authorization checks).
	Privileged bool `yaml:"privileged"`
}

// Login is a login flow.
type Login struct {
	Request LoginRequest `yaml:"request"`
	// Token says where the token is in the login response.
	Token TokenRef `yaml:"token"`
	// Header is the request header that carries the token (default
	// Authorization, or Cookie when the token is a cookie) and Format its
	// value with {token} replaced (default "Bearer {token}", or
	// "NAME={token}" for a cookie).
	Header string `yaml:"header"`
	Format string `yaml:"format"`
	// ExpiresIn is a JSON pointer to a lifetime in seconds in the login
	// response (default /expires_in). A JWT's exp claim is used otherwise.
	ExpiresIn string `yaml:"expires_in"`
}

// LoginRequest is the request a login flow sends.
type LoginRequest struct {
	Method string `yaml:"method"`
	// Path is relative to the target ("/auth/login"), or an absolute URL
	// (an identity provider).
	Path    string            `yaml:"path"`
	JSON    any               `yaml:"json"`
	Form    map[string]string `yaml:"form"`
	Headers map[string]string `yaml:"headers"`
}

// TokenRef locates a token in a response: a JSON pointer into the body, a
// response header, or a cookie set by the response. Exactly one is set.
type TokenRef struct {
	JSON   string `yaml:"json"`
	Header string `yaml:"header"`
	Cookie string `yaml:"cookie"`
}

// OAuth2 is the OAuth2 client credentials grant.
type OAuth2 struct {
	TokenURL     string   `yaml:"token_url"`
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret"`
	Scopes       []string `yaml:"scopes"`
	// Header and Format as for [Login] (default "Authorization: Bearer
	// {token}").
	Header string `yaml:"header"`
	Format string `yaml:"format"`
}

// validate reports a configuration error of one identity.
func (id Identity) validate() error {
	n := 0
	if id.Login != nil {
		n++
		l := id.Login
		if l.Request.Path == "" {
			return fmt.Errorf("identity %q: login.request.path is required", id.Name)
		}
		if l.Request.JSON != nil && l.Request.Form != nil {
			return fmt.Errorf("identity %q: login.request has both json and form", id.Name)
		}
		k := 0
		for _, s := range []string{l.Token.JSON, l.Token.Header, l.Token.Cookie} {
			if s != "" {
				k++
			}
		}
		if k != 1 {
			return fmt.Errorf("identity %q: login.token needs exactly one of json, header or cookie", id.Name)
		}
	}
	if id.OAuth2 != nil {
		n++
		if id.OAuth2.TokenURL == "" || id.OAuth2.ClientID == "" {
			return fmt.Errorf("identity %q: oauth2 needs token_url and client_id", id.Name)
		}
	}
	if n > 1 {
		return fmt.Errorf("identity %q: login and oauth2 are exclusive", id.Name)
	}
	if n == 0 && len(id.Headers) == 0 && len(id.Cookies) == 0 {
		return fmt.Errorf("identity %q: no credentials (headers, cookies, login or oauth2)", id.Name)
	}
	return nil
}

// auth holds one identity's current credentials.
type auth struct {
	id Identity

	mu       sync.Mutex
	header   http.Header
	expiry   time.Time
	lifetime time.Duration
	gen      int
	// facts are values about the identity learnt from the login response
	// and token claims ("id", "sub", "username"), used to fill user ids.
	facts map[string]string
}

// sender sends an authentication request outside the scan's check scope
// but within its budget and transport guard.
type sender func(ctx context.Context, req *http.Request) (*http.Response, []byte, error)

func newAuth(id Identity) *auth {
	a := &auth{id: id, facts: map[string]string{}}
	a.header = staticHeader(id)
	return a
}

func staticHeader(id Identity) http.Header {
	h := http.Header{}
	for k, v := range id.Headers {
		h.Set(k, v)
	}
	if len(id.Cookies) > 0 {
		var parts []string
		for _, k := range sortedKeys(id.Cookies) {
			parts = append(parts, k+"="+id.Cookies[k])
		}
		h.Set("Cookie", strings.Join(parts, "; "))
	}
	return h
}

// dynamic reports whether the identity obtains tokens (and can refresh).
func (a *auth) dynamic() bool { return a.id.Login != nil || a.id.OAuth2 != nil }

// credentials returns the headers to add and the token generation,
// refreshing first when the token expires within a minute.
func (a *auth) credentials(ctx context.Context, send sender) (http.Header, int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dynamic() && (a.gen == 0 || a.expiring()) {
		if err := a.obtainLocked(ctx, send); err != nil {
			return nil, a.gen, err
		}
	}
	return a.header, a.gen, nil
}

// expiring reports whether the token expires soon: within a minute, or
// within a tenth of its lifetime for short-lived tokens.
func (a *auth) expiring() bool {
	if a.expiry.IsZero() {
		return false
	}
	margin := min(time.Minute, a.lifetime/10)
	return time.Until(a.expiry) < margin
}

// refresh obtains a new token unless another request already did since
// generation gen was handed out.
func (a *auth) refresh(ctx context.Context, send sender, gen int) (http.Header, int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen != gen {
		return a.header, a.gen, nil
	}
	if err := a.obtainLocked(ctx, send); err != nil {
		return nil, a.gen, err
	}
	return a.header, a.gen, nil
}

func (a *auth) obtainLocked(ctx context.Context, send sender) error {
	var (
		req     *http.Request
		err     error
		header  = "Authorization"
		format  = "Bearer {token}"
		expires = "/expires_in"
	)
	switch {
	case a.id.Login != nil:
		l := a.id.Login
		req, err = loginRequest(ctx, l.Request)
		if l.Token.Cookie != "" {
			header, format = "Cookie", l.Token.Cookie+"={token}"
		}
		if l.Header != "" {
			header = l.Header
		}
		if l.Format != "" {
			format = l.Format
		}
		if l.ExpiresIn != "" {
			expires = l.ExpiresIn
		}
	case a.id.OAuth2 != nil:
		o := a.id.OAuth2
		form := url.Values{"grant_type": {"client_credentials"}}
		if len(o.Scopes) > 0 {
			form.Set("scope", strings.Join(o.Scopes, " "))
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, o.TokenURL, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
		}
		if o.Header != "" {
			header = o.Header
		}
		if o.Format != "" {
			format = o.Format
		}
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("building login request: %w", err)
	}
	resp, body, err := send(ctx, req)
	if err != nil {
		return fmt.Errorf("login request %s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("login request %s %s returned %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	ref := TokenRef{JSON: "/access_token"}
	if a.id.Login != nil {
		ref = a.id.Login.Token
	}
	var doc any
	_ = json.Unmarshal(body, &doc)
	token, err := extractToken(ref, resp, doc)
	if err != nil {
		return err
	}
	h := staticHeader(a.id)
	v := strings.ReplaceAll(format, "{token}", token)
	if strings.EqualFold(header, "Cookie") && h.Get("Cookie") != "" {
		v = h.Get("Cookie") + "; " + v
	}
	h.Set(header, v)
	a.header = h
	a.gen++
	a.expiry = time.Time{}
	if s, ok := pointer(doc, expires); ok {
		if secs, err := strconv.ParseFloat(fmt.Sprint(s), 64); err == nil && secs > 0 {
			a.expiry = time.Now().Add(time.Duration(secs * float64(time.Second)))
		}
	}
	claims := jwtClaims(token)
	if a.expiry.IsZero() {
		if exp, ok := claims["exp"].(float64); ok {
			a.expiry = time.Unix(int64(exp), 0)
		}
	}
	if !a.expiry.IsZero() {
		a.lifetime = time.Until(a.expiry)
	}
	a.learnFacts(doc, claims)
	return nil
}

// learnFacts records identity values from the login response and claims.
func (a *auth) learnFacts(doc any, claims map[string]any) {
	add := func(k string, v any) {
		switch v.(type) {
		case string, float64, json.Number:
			s := fmt.Sprint(v)
			if f, ok := v.(float64); ok {
				s = strconv.FormatFloat(f, 'f', -1, 64)
			}
			if _, dup := a.facts[k]; !dup && s != "" {
				a.facts[k] = s
			}
		}
	}
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		m, ok := v.(map[string]any)
		if !ok || depth > 2 {
			return
		}
		for k, x := range m {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "token") || strings.Contains(lk, "password") || strings.Contains(lk, "secret") {
				continue
			}
			if prefix != "" && (lk == "id" || lk == "uuid") {
				add(prefix+"Id", x)
			}
			add(k, x)
			walk(k, x, depth+1)
		}
	}
	walk("", doc, 0)
	for _, k := range []string{"sub", "user_id", "userId", "uid", "id", "username", "email"} {
		if v, ok := claims[k]; ok {
			add(k, v)
		}
	}
}

// fact returns a learnt value for a user-like name.
func (a *auth) fact(names ...string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range names {
		for k, v := range a.facts {
			if strings.EqualFold(k, n) {
				return v, true
			}
		}
	}
	return "", false
}

func loginRequest(ctx context.Context, r LoginRequest) (*http.Request, error) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodPost
	}
	var (
		body io.Reader
		ct   string
	)
	switch {
	case r.JSON != nil:
		b, err := json.Marshal(jsonable(r.JSON))
		if err != nil {
			return nil, err
		}
		body, ct = bytes.NewReader(b), "application/json"
	case r.Form != nil:
		f := url.Values{}
		for k, v := range r.Form {
			f.Set(k, v)
		}
		body, ct = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, method, r.Path, body)
	if err != nil {
		return nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

// jsonable converts YAML-decoded maps (map[string]any already with yaml
// v3, but map[any]any can appear) to JSON-encodable values.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := map[string]any{}
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case []any:
		for i := range x {
			x[i] = jsonable(x[i])
		}
	}
	return v
}

func extractToken(ref TokenRef, resp *http.Response, doc any) (string, error) {
	switch {
	case ref.Header != "":
		if v := resp.Header.Get(ref.Header); v != "" {
			return strings.TrimSpace(strings.TrimPrefix(v, "Bearer ")), nil
		}
		return "", fmt.Errorf("login response has no %s header", ref.Header)
	case ref.Cookie != "":
		for _, c := range resp.Cookies() {
			if c.Name == ref.Cookie && c.Value != "" {
				return c.Value, nil
			}
		}
		return "", fmt.Errorf("login response sets no %s cookie", ref.Cookie)
	default:
		v, ok := pointer(doc, ref.JSON)
		if s, isStr := v.(string); ok && isStr && s != "" {
			return s, nil
		}
		return "", fmt.Errorf("login response has no string at JSON pointer %s", ref.JSON)
	}
}

// pointer resolves a JSON pointer (RFC 6901) in a decoded JSON document.
func pointer(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	if !strings.HasPrefix(ptr, "/") {
		ptr = "/" + ptr
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jwtClaims decodes a JWT's claims without verifying it (escarp only needs
// the expiry and subject of its own token).
func jwtClaims(token string) map[string]any {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
