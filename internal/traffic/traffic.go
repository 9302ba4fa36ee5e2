// Package traffic turns recorded HTTP exchanges (HAR entries, access-log
// lines, the proxy sensor's taps) into inventory observations: which
// authentication the request carried, whether an unauthenticated request
// was served, and which classes of sensitive data the bodies held. Bodies
// are redacted before they are kept.
package traffic

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
)

// Observe converts one exchange into an inventory observation for
// service ("" lets the inventory resolve it from the host).
func Observe(x *escarp.Exchange, service string) escarp.Observation {
	o := escarp.Observation{Source: escarp.SourceTraffic, Service: service, Method: strings.ToUpper(x.Method),
		Status: x.Status, ClientIP: x.ClientIP, Template: x.Route}
	if u, err := url.Parse(x.URL); err == nil {
		o.Host = u.Host
		o.Path = u.EscapedPath()
		if o.Path == "" {
			o.Path = "/"
		}
		for k := range u.Query() {
			o.Query = append(o.Query, k)
		}
		sort.Strings(o.Query)
	} else {
		o.Path = x.URL
	}
	if t, err := time.Parse(time.RFC3339Nano, x.Time); err == nil {
		o.Time = t.UTC()
	}
	o.Auth = Auth(x.RequestHeader, o.Query)
	o.Anonymous = len(o.Auth) == 0 && x.Status >= 200 && x.Status < 300 && x.RequestHeader != nil
	o.DataClasses = DataClasses(x.ResponseBody)
	for _, d := range DataClasses(x.RequestBody) {
		if !contains(o.DataClasses, d) {
			o.DataClasses = append(o.DataClasses, d)
		}
	}
	sort.Strings(o.DataClasses)
	if isJSON(x.RequestBody) {
		o.RequestBody = redact.Body(x.RequestBody)
	}
	if isJSON(x.ResponseBody) {
		o.ResponseBody = redact.Body(x.ResponseBody)
	}
	return o
}

func isJSON(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && (s[0] == '{' || s[0] == '[')
}

// Auth lists the authentication a request carried: "bearer", "basic",
// "apiKey:<header>", "cookie", "apiKey:query:<name>".
func Auth(h map[string][]string, query []string) []string {
	var out []string
	for k, vs := range h {
		lk := strings.ToLower(k)
		for _, v := range vs {
			switch {
			case lk == "authorization":
				scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
				out = appendUnique(out, strings.ToLower(scheme))
			case lk == "cookie" && sessionCookie.MatchString(v):
				out = appendUnique(out, "cookie")
			case lk != "cookie" && sensitive.Name(lk) && (strings.Contains(lk, "key") || strings.Contains(lk, "token")):
				out = appendUnique(out, "apiKey:"+k)
			}
		}
	}
	for _, q := range query {
		lq := strings.ToLower(q)
		if strings.Contains(lq, "key") || strings.Contains(lq, "token") {
			out = appendUnique(out, "apiKey:query:"+q)
		}
	}
	sort.Strings(out)
	return out
}

var sessionCookie = regexp.MustCompile(`(?i)(sess|sid|auth|token|jwt)[^=]*=`)

// Data classes reported by [DataClasses].
var dataPatterns = []struct {
	class string
	re    *regexp.Regexp
	check func(string) bool
}{
	{"email", regexp.MustCompile(`[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}`), nil},
	{"jwt", regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`), nil},
	{"card", regexp.MustCompile(`\b(?:\d[ -]?){13,19}\b`), sensitive.Card},
	{"ssn", regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`), nil},
	{"iban", regexp.MustCompile(`\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b`), nil},
	{"phone", regexp.MustCompile(`\+\d{1,3}[ -]?\(?\d{1,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}\b`), nil},
	{"password-hash", regexp.MustCompile(`\$(2[aby]|argon2(id|i|d)|pbkdf2[-\w]*|6|5)\$[^\s"]{10,}`), nil},
	{"private-key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`), nil},
	{"secret", regexp.MustCompile(`(?i)"(api_?key|secret|client_secret|password|access_token|refresh_token)"\s*:\s*"[^"]{4,}"`), nil},
}

// DataClasses returns the classes of sensitive data in body, sorted.
func DataClasses(body string) []string {
	if body == "" {
		return nil
	}
	if len(body) > 256<<10 {
		body = body[:256<<10]
	}
	var out []string
	for _, p := range dataPatterns {
		ms := p.re.FindAllString(body, 8)
		for _, m := range ms {
			if p.check == nil || p.check(m) {
				out = append(out, p.class)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

func appendUnique(list []string, s string) []string {
	if s == "" || contains(list, s) {
		return list
	}
	return append(list, s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
