// Package redact removes secrets from HTTP headers, URLs and bodies before
// anything is stored, logged or written to a report.
//
// Every output path of escarp goes through this package: evidence of DAST
// findings, recorded traffic, reproducers and reports.
package redact

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/escarp/escarp/internal/sensitive"
)

// Mask replaces a redacted value.
const Mask = "REDACTED"

// Header returns a copy of h with sensitive values replaced by [Mask]. For
// Authorization, the scheme ("Bearer", "Basic") is kept.
func Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = headerValue(k, v)
		}
		out[k] = cp
	}
	return out
}

func headerValue(name, v string) string {
	n := strings.ToLower(name)
	switch {
	case n == "authorization" || n == "proxy-authorization":
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + Mask
		}
		return Mask
	case n == "cookie":
		return cookies(v, "; ")
	case n == "set-cookie":
		nv, attrs, _ := strings.Cut(v, ";")
		name, _, _ := strings.Cut(nv, "=")
		if attrs != "" {
			return strings.TrimSpace(name) + "=" + Mask + ";" + attrs
		}
		return strings.TrimSpace(name) + "=" + Mask
	case sensitive.Name(n):
		return Mask
	}
	return String(v)
}

func cookies(v, sep string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = name + "=" + Mask
	}
	return strings.Join(parts, sep)
}

// URL returns u as a string with user info and sensitive query values
// replaced by [Mask].
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	cp := *u
	if cp.User != nil {
		cp.User = url.UserPassword(cp.User.Username(), Mask)
	}
	if cp.RawQuery != "" {
		q, err := url.ParseQuery(cp.RawQuery)
		if err == nil {
			changed := false
			for k, vs := range q {
				if sensitive.Name(k) {
					for i := range vs {
						vs[i] = Mask
					}
					changed = true
				}
			}
			if changed {
				cp.RawQuery = q.Encode()
			}
		}
	}
	return cp.String()
}

// RawURL redacts a URL given as a string; an unparseable one is returned
// with any secret-looking value masked.
func RawURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return String(raw)
	}
	return URL(u)
}

var (
	// jsonField matches "name": "value" pairs whose name is sensitive.
	jsonField = regexp.MustCompile(`("([^"\\]{0,64})"\s*:\s*)"((?:[^"\\]|\\.)*)"`)
	// formField matches name=value pairs in form bodies and query strings.
	formField = regexp.MustCompile(`(^|[&?])([^=&\s]{1,64})=([^&\s]*)`)
	// tokens matches token shapes that are not a provider's (those come
	// from the sensitive-data catalogue) anywhere in text.
	tokens = []*regexp.Regexp{
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`), // JWT
		regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`),           // auth header values in text
		regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`),
	}
)

// String masks well-known token shapes (JWTs, bearer values, private
// keys) and provider keys ([sensitive.Providers]: cloud, SaaS and CI keys)
// anywhere in s.
func String(s string) string {
	s = sensitive.MaskProviderKeys(s, Mask)
	for _, re := range tokens {
		if !re.MatchString(s) {
			continue
		}
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			if strings.HasPrefix(strings.ToLower(m), "bearer ") || strings.HasPrefix(strings.ToLower(m), "basic ") {
				scheme, _, _ := strings.Cut(m, " ")
				return scheme + " " + Mask
			}
			return Mask
		})
	}
	return s
}

// Body masks the values of sensitive fields in a JSON or form body and
// well-known token shapes anywhere in it.
func Body(body string) string {
	if body == "" {
		return body
	}
	body = jsonField.ReplaceAllStringFunc(body, func(m string) string {
		sub := jsonField.FindStringSubmatch(m)
		if sensitive.Name(sub[2]) {
			return sub[1] + `"` + Mask + `"`
		}
		return m
	})
	if !strings.ContainsAny(strings.TrimSpace(body)[:1], "{[<") {
		body = formField.ReplaceAllStringFunc(body, func(m string) string {
			sub := formField.FindStringSubmatch(m)
			if sensitive.Name(sub[2]) {
				return sub[1] + sub[2] + "=" + Mask
			}
			return m
		})
	}
	return String(body)
}
