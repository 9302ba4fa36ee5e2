package authn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// credential is where an identity's token travels and what it is.
type credential struct {
	in     string // "header", "query" or "cookie"
	name   string // header, query parameter or cookie name
	prefix string // "Bearer " for Authorization
	token  string
}

// jwtShape matches a compact JWS.
var jwtShape = regexp.MustCompile(`^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$`)

// credentialOf finds the credential the engine sent with resp, using the
// API's security schemes to know where to look.
func credentialOf(api *escarp.API, resp *check.Response) (credential, bool) {
	sent := resp.Sent
	if sent == nil && resp.Request != nil {
		sent = resp.Request.Header
	}
	if v := sent.Get("Authorization"); v != "" {
		if scheme, tok, ok := strings.Cut(v, " "); ok && tok != "" {
			return credential{in: "header", name: "Authorization", prefix: scheme + " ", token: strings.TrimSpace(tok)}, true
		}
		return credential{in: "header", name: "Authorization", token: v}, true
	}
	var u *url.URL
	if resp.URL != "" {
		u, _ = url.Parse(resp.URL)
	}
	if api != nil {
		for _, name := range sortedSchemes(api) {
			s := api.SecuritySchemes[name]
			if s.Type != escarp.SchemeAPIKey || s.ParamName == "" {
				continue
			}
			switch s.In {
			case "header":
				if v := sent.Get(s.ParamName); v != "" {
					return credential{in: "header", name: s.ParamName, token: v}, true
				}
			case "query":
				if u != nil {
					if v := u.Query().Get(s.ParamName); v != "" {
						return credential{in: "query", name: s.ParamName, token: v}, true
					}
				}
			case "cookie":
				if v := cookie(sent, s.ParamName); v != "" {
					return credential{in: "cookie", name: s.ParamName, token: v}, true
				}
			}
		}
	}
	// A JWT anywhere in the headers or cookies.
	for k, vs := range sent {
		for _, v := range vs {
			if strings.EqualFold(k, "Cookie") {
				for _, part := range strings.Split(v, ";") {
					n, val, _ := strings.Cut(strings.TrimSpace(part), "=")
					if jwtShape.MatchString(val) {
						return credential{in: "cookie", name: n, token: val}, true
					}
				}
				continue
			}
			if jwtShape.MatchString(v) {
				return credential{in: "header", name: k, token: v}, true
			}
		}
	}
	return credential{}, false
}

func sortedSchemes(api *escarp.API) []string {
	names := make([]string, 0, len(api.SecuritySchemes))
	for n := range api.SecuritySchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func cookie(h http.Header, name string) string {
	r := http.Request{Header: h}
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// with returns an anonymous copy of req carrying token where c says (the
// engine adds no credentials of its own).
func (c credential) with(req *check.Request, token string) *check.Request {
	cp := req.Clone()
	cp.Identity = ""
	switch c.in {
	case "header":
		cp.Header.Set(c.name, c.prefix+token)
	case "query":
		cp.Query.Set(c.name, token)
	case "cookie":
		cp.Header.Set("Cookie", c.name+"="+token)
	}
	return cp
}

// isJWT reports whether the credential is a JWS.
func (c credential) isJWT() bool { return jwtShape.MatchString(c.token) }

// parsed is a decoded JWT.
type parsed struct {
	raw    string
	parts  []string
	header map[string]any
	claims jwt.MapClaims
}

func parseJWT(tok string) (*parsed, bool) {
	if !jwtShape.MatchString(tok) {
		return nil, false
	}
	claims := jwt.MapClaims{}
	t, parts, err := jwt.NewParser().ParseUnverified(tok, claims)
	if err != nil || len(parts) != 3 {
		return nil, false
	}
	return &parsed{raw: tok, parts: parts, header: t.Header, claims: claims}, true
}

func (p *parsed) alg() string {
	a, _ := p.header["alg"].(string)
	return a
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// withAlg returns the token with its header's alg replaced and an empty
// signature: the "none" attack.
func (p *parsed) withAlg(alg string) string {
	h := map[string]any{}
	for k, v := range p.header {
		h[k] = v
	}
	h["alg"] = alg
	return b64(h) + "." + p.parts[1] + "."
}

// stripped returns the token without its signature.
func (p *parsed) stripped() string { return p.parts[0] + "." + p.parts[1] + "." }

// resigned returns the token with a random signature of the same length.
func (p *parsed) resigned() string {
	sig, err := base64.RawURLEncoding.DecodeString(p.parts[2])
	n := len(sig)
	if err != nil || n == 0 {
		n = 32
	}
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return p.parts[0] + "." + p.parts[1] + "." + base64.RawURLEncoding.EncodeToString(b)
}

// tampered returns the token with a claim added to its payload and the
// original signature kept.
func (p *parsed) tampered() string {
	c := jwt.MapClaims{}
	for k, v := range p.claims {
		c[k] = v
	}
	c["escarp"] = "tampered"
	return p.parts[0] + "." + b64(c) + "." + p.parts[2]
}

// hmacHash returns the hash of an HS* algorithm, or nil.
func hmacHash(alg string) func() hash.Hash {
	switch alg {
	case "HS256":
		return sha256.New
	case "HS384":
		return sha512.New384
	case "HS512":
		return sha512.New
	}
	return nil
}

// crack returns the key of an HMAC-signed token when it is one of the
// candidates.
func (p *parsed) crack(candidates []string) (string, bool) {
	h := hmacHash(p.alg())
	if h == nil {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(p.parts[2])
	if err != nil || len(sig) == 0 {
		return "", false
	}
	input := []byte(p.parts[0] + "." + p.parts[1])
	for _, k := range candidates {
		m := hmac.New(h, []byte(k))
		m.Write(input)
		if hmac.Equal(m.Sum(nil), sig) {
			return k, true
		}
	}
	return "", false
}

// sign returns the token's claims, changed by edit, signed with key using
// the token's own HMAC algorithm and header.
func (p *parsed) sign(key string, edit func(jwt.MapClaims)) (string, bool) {
	method := jwt.GetSigningMethod(p.alg())
	if method == nil || hmacHash(p.alg()) == nil {
		return "", false
	}
	c := jwt.MapClaims{}
	for k, v := range p.claims {
		c[k] = v
	}
	if edit != nil {
		edit(c)
	}
	t := jwt.NewWithClaims(method, c)
	for k, v := range p.header {
		if k != "alg" {
			t.Header[k] = v
		}
	}
	s, err := t.SignedString([]byte(key))
	return s, err == nil
}

// garble returns a random token of the same length and alphabet family.
func garble(tok string) string {
	n := len(tok)
	if n < 16 {
		n = 16
	}
	b := make([]byte, n)
	_, _ = rand.Read(b)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
