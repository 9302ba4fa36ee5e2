package rules

import (
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// Helpers shared by several rules of this package.

// isWrite reports whether method changes state.
func isWrite(method string) bool {
	switch strings.ToUpper(method) {
	case "POST", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}

// isRead reports whether method is GET or HEAD.
func isRead(method string) bool {
	m := strings.ToUpper(method)
	return m == "GET" || m == "HEAD"
}

// extTrue reports whether extension name is set to true.
func extTrue(ext map[string]any, name string) bool {
	switch v := ext[name].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// explicitlyAnonymous reports whether op's anonymity was written down: an
// empty security list or an empty requirement, on the operation or
// inherited from the document.
func explicitlyAnonymous(api *escarp.API, op *escarp.Operation) bool {
	reqs := op.Security
	if !op.SecurityDeclared {
		if api.Security == nil {
			return false
		}
		reqs = api.Security
	}
	if len(reqs) == 0 {
		return true
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return true
		}
	}
	return false
}

// public reports whether op is marked x-escarp-public: true (on the
// operation or the document).
func public(api *escarp.API, op *escarp.Operation) bool {
	return extTrue(op.Extensions, "x-escarp-public") || extTrue(api.Extensions, "x-escarp-public")
}

// authenticated reports whether op requires or accepts credentials: some
// requirement names a scheme.
func authenticated(op *escarp.Operation) bool {
	for _, r := range op.Security {
		if len(r) > 0 {
			return true
		}
	}
	return false
}

// requirementAt locates scheme name in requirement i of op's effective
// security: on the operation when it declares its own, else in the
// document's security.
func requirementAt(p *audit.Pass, op *escarp.Operation, i int, name string) escarp.Location {
	tail := "/security/" + strconv.Itoa(i) + "/" + audit.EscapeToken(name)
	if op == nil || !op.SecurityDeclared {
		return p.Root(tail)
	}
	l := audit.OpAt(op)
	l.Pointer = op.Pointer + tail
	return p.Locate(l)
}

// schemeNames returns the names of a requirement, sorted.
func schemeNames(r escarp.SecurityRequirement) []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sortedSchemes returns the API's security schemes sorted by name.
func sortedSchemes(api *escarp.API) []*escarp.SecurityScheme {
	names := make([]string, 0, len(api.SecuritySchemes))
	for n := range api.SecuritySchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*escarp.SecurityScheme, 0, len(names))
	for _, n := range names {
		if s := api.SecuritySchemes[n]; s != nil {
			if s.Name == "" {
				s.Name = n
			}
			out = append(out, s)
		}
	}
	return out
}

// flowAt locates an OAuth flow of scheme s.
func flowAt(api *escarp.API, s *escarp.SecurityScheme, f *escarp.OAuthFlow) escarp.Location {
	l := audit.SchemeAt(api, s)
	if f.Pos.Line != 0 {
		l = l.At(f.Pos)
	}
	if api.Format == escarp.FormatSwagger {
		l.Pointer += "/flow"
	} else {
		l.Pointer += "/flows/" + audit.EscapeToken(f.Type)
	}
	return l
}

// cleartext reports whether a URL is plain http or ws to a host that is
// not the local machine.
func cleartext(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	s := strings.ToLower(u.Scheme)
	if s != "http" && s != "ws" {
		return false
	}
	return !loopback(u.Hostname())
}

// loopback reports whether host names the local machine.
func loopback(host string) bool {
	h := strings.ToLower(strings.Trim(host, "[]"))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// private reports whether host is loopback or a private-network address.
func private(host string) bool {
	if loopback(host) {
		return true
	}
	h := strings.ToLower(host)
	if strings.HasSuffix(h, ".internal") || strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".lan") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && (ip.IsPrivate() || ip.IsLinkLocalUnicast())
}

// ownServers returns the servers of op that are not the document's (a
// path- or operation-level override).
func ownServers(api *escarp.API, op *escarp.Operation) []*escarp.Server {
	global := make(map[*escarp.Server]bool, len(api.Servers))
	globalURL := make(map[string]bool, len(api.Servers))
	for _, s := range api.Servers {
		global[s] = true
		globalURL[s.URL+"\x00"+s.Pointer] = true
	}
	var out []*escarp.Server
	for _, s := range op.Servers {
		if s == nil || global[s] || globalURL[s.URL+"\x00"+s.Pointer] {
			continue
		}
		out = append(out, s)
	}
	return out
}

// effectiveServers returns op's servers, or the document's.
func effectiveServers(api *escarp.API, op *escarp.Operation) []*escarp.Server {
	if len(op.Servers) > 0 {
		return op.Servers
	}
	return api.Servers
}

// statusClass returns the first digit of a status ("404" → '4', "4XX" →
// '4'), or 0 for "default" and malformed codes.
func statusClass(status string) byte {
	if len(status) == 3 && status[0] >= '1' && status[0] <= '5' {
		return status[0]
	}
	return 0
}

// hasStatus reports whether op declares one of the statuses (exact,
// case-insensitive: "401", "4XX", "default").
func hasStatus(op *escarp.Operation, statuses ...string) bool {
	for _, r := range op.Responses {
		if r == nil {
			continue
		}
		for _, s := range statuses {
			if strings.EqualFold(r.Status, s) {
				return true
			}
		}
	}
	return false
}

// responsesAt locates op's responses object.
func responsesAt(op *escarp.Operation) escarp.Location {
	l := audit.OpAt(op)
	l.Pointer = op.Pointer + "/responses"
	return l
}

// header returns the header called name of r (case-insensitive), or nil.
func header(r *escarp.Response, name string) *escarp.Parameter {
	for _, h := range r.Headers {
		if h != nil && strings.EqualFold(h.Name, name) {
			return h
		}
	}
	return nil
}

// anyResponseHeader reports whether some response of the API declares one
// of the headers.
func anyResponseHeader(api *escarp.API, names ...string) bool {
	for _, op := range api.Operations {
		for _, r := range op.Responses {
			if r == nil {
				continue
			}
			for _, n := range names {
				if header(r, n) != nil {
					return true
				}
			}
		}
	}
	return false
}

// hasResponses reports whether any operation declares a response.
func hasResponses(api *escarp.API) bool {
	for _, op := range api.Operations {
		if len(op.Responses) > 0 {
			return true
		}
	}
	return false
}

// structured reports whether a media type carries structured data (JSON,
// XML, forms, text) that a schema can describe, as opposed to opaque bytes.
func structured(mediaType string) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "/json"),
		mt == "application/xml", mt == "text/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/x-www-form-urlencoded", strings.HasPrefix(mt, "multipart/"),
		mt == "application/x-ndjson", mt == "application/jsonl":
		return true
	}
	return false
}

// isString and friends test a schema's declared type.
func isString(s *escarp.Schema) bool  { return s.HasType("string") }
func isNumeric(s *escarp.Schema) bool { return s.HasType("integer") || s.HasType("number") }
func isArray(s *escarp.Schema) bool   { return s.HasType("array") }
func isObject(s *escarp.Schema) bool  { return s.HasType("object") }

// enumerated reports whether s allows a fixed set of values.
func enumerated(s *escarp.Schema) bool { return len(s.Enum) > 0 || s.Const != nil }

// boundedFormats are string formats whose values have a bounded length.
var boundedFormats = map[string]bool{
	"date": true, "date-time": true, "time": true, "uuid": true, "ipv4": true, "ipv6": true,
	"duration": true, "int32": true, "int64": true, "binary": true, "byte": true,
}

// unboundedString reports whether s is a string schema with no length
// limit (maxLength, enum, const or a bounded format). Binary and base64
// strings are left to ESC-INPUT-013.
func unboundedString(s *escarp.Schema) bool {
	return isString(s) && s.MaxLength == nil && !enumerated(s) && !boundedFormats[strings.ToLower(s.Format)]
}

// words splits a name into lower-case words: "userId" → [user id],
// "api-key" → [api key], "X-RateLimit" → [x ratelimit].
func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ' || r == '[' || r == ']':
			flush()
		case r >= 'A' && r <= 'Z' && i > 0 && rs[i-1] >= 'a' && rs[i-1] <= 'z':
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// squash lower-cases a name and drops separators: "page_size" → "pagesize".
func squash(name string) string {
	return strings.Join(words(name), "")
}

// pathSegments splits a path template into its literal segments,
// lower-cased.
func pathSegments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			out = append(out, strings.ToLower(s))
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
