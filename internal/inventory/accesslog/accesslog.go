// Package accesslog reads HTTP access logs as traffic for the inventory:
// NGINX and Apache "combined" (and "common") lines, and JSON lines from
// Kong (http-log/file-log), Envoy access logs, and OpenTelemetry-style
// records, using OpenTelemetry's http.route as the template where present.
//
// Logs are streamed line by line: memory stays bounded whatever the size.
// Lines that do not parse are counted and reported as warnings with their
// line number; a file whose first lines are all unparseable is not an
// access log (an Invalid error naming the file and line).
package accesslog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Format names.
const (
	FormatCombined = "combined"
	FormatJSON     = "json"
)

// combined matches the NGINX/Apache combined and common formats:
// host ident user [time] "METHOD URI PROTO" status size ["referer" "agent"].
var combined = regexp.MustCompile(`^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}) (\S+)(?: "([^"]*)" "([^"]*)")?`)

// Detect reports whether the first line looks like a combined log line or
// a JSON access-log record, or "" for neither.
func Detect(firstLine string) string {
	l := strings.TrimSpace(firstLine)
	if strings.HasPrefix(l, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			if _, ok := fromJSON(m); ok {
				return FormatJSON
			}
		}
		return ""
	}
	if combined.MatchString(l) {
		return FormatCombined
	}
	return ""
}

// Stats counts what Read did.
type Stats struct {
	Lines    int
	Parsed   int
	Skipped  int
	Warnings []escarp.Warning // the first few unparseable lines
}

// maxWarnings bounds the warnings kept.
const maxWarnings = 20

// Read streams the log from r (called name in messages) and calls fn for
// each exchange. host, when set, is used for lines that carry none.
func Read(r io.Reader, name, host string, fn func(*escarp.Exchange) error) (*Stats, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	st := &Stats{}
	for sc.Scan() {
		st.Lines++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		x, ok := parseLine(line)
		if !ok {
			st.Skipped++
			if len(st.Warnings) < maxWarnings {
				st.Warnings = append(st.Warnings, escarp.Warning{Pos: escarp.Position{File: name, Line: st.Lines},
					Message: "not an access-log line (combined or JSON)"})
			}
			if st.Parsed == 0 && st.Skipped >= 5 {
				return st, escarp.InvalidAt(escarp.Position{File: name, Line: st.Lines},
					"not an access log: none of the first lines is in combined or JSON format")
			}
			continue
		}
		if x.URL != "" && x.URL[0] == '/' {
			if host != "" {
				x.URL = "http://" + host + x.URL
			}
		}
		st.Parsed++
		if err := fn(x); err != nil {
			return st, err
		}
	}
	if err := sc.Err(); err != nil {
		return st, escarp.InvalidAt(escarp.Position{File: name, Line: st.Lines + 1}, "reading log: %w", err)
	}
	if st.Parsed == 0 && st.Skipped > 0 {
		return st, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "not an access log: no line is in combined or JSON format")
	}
	return st, nil
}

func parseLine(line string) (*escarp.Exchange, bool) {
	if line[0] == '{' {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, false
		}
		return fromJSON(m)
	}
	m := combined.FindStringSubmatch(line)
	if m == nil {
		return nil, false
	}
	status, _ := strconv.Atoi(m[6])
	x := &escarp.Exchange{ClientIP: m[1], Method: m[4], URL: m[5], Status: status}
	if t, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[3]); err == nil {
		x.Time = t.UTC().Format(time.RFC3339Nano)
	}
	if m[2] != "-" {
		// A user in the log means HTTP authentication was used.
		x.RequestHeader = map[string][]string{"Authorization": {"Basic " + "REDACTED"}}
	} else {
		x.RequestHeader = map[string][]string{}
	}
	return x, x.Method != "" && x.URL != ""
}

// fromJSON maps Kong, Envoy, OTel and generic JSON records.
func fromJSON(m map[string]any) (*escarp.Exchange, bool) {
	x := &escarp.Exchange{RequestHeader: map[string][]string{}}
	// Kong http-log / file-log.
	if req, ok := m["request"].(map[string]any); ok {
		x.Method = str(req["method"])
		x.URL = firstStr(req["url"], req["uri"])
		if h, ok := req["headers"].(map[string]any); ok {
			for k, v := range h {
				x.RequestHeader[k] = []string{str(v)}
			}
		}
		if resp, ok := m["response"].(map[string]any); ok {
			x.Status = num(resp["status"])
		}
		x.ClientIP = str(m["client_ip"])
		if ms := num(m["started_at"]); ms > 0 {
			x.Time = time.UnixMilli(int64(ms)).UTC().Format(time.RFC3339Nano)
		}
		if route, ok := m["route"].(map[string]any); ok {
			if paths, ok := route["paths"].([]any); ok && len(paths) == 1 && strings.Contains(str(paths[0]), "{") {
				x.Route = str(paths[0])
			}
		}
		return x, x.Method != "" && x.URL != ""
	}
	// OpenTelemetry attribute names (flat or under "attributes").
	attrs := m
	if a, ok := m["attributes"].(map[string]any); ok {
		attrs = a
	}
	x.Method = firstStr(attrs["http.request.method"], attrs["http.method"], m["method"], m["request_method"], m["verb"])
	path := firstStr(attrs["url.path"], attrs["http.target"], m["path"], m["uri"], m["request_uri"], m["url"])
	if q := firstStr(attrs["url.query"]); q != "" {
		path += "?" + q
	}
	host := firstStr(attrs["server.address"], attrs["http.host"], m["authority"], m["host"], m["upstream_host"])
	if host != "" && strings.HasPrefix(path, "/") {
		scheme := firstStr(attrs["url.scheme"], m["scheme"])
		if scheme == "" {
			scheme = "http"
		}
		path = scheme + "://" + host + path
	}
	x.URL = path
	x.Route = firstStr(attrs["http.route"], m["route"])
	x.Status = num(firstAny(attrs["http.response.status_code"], attrs["http.status_code"], m["response_code"], m["status"]))
	x.ClientIP = firstStr(attrs["client.address"], m["downstream_remote_address"], m["remote_addr"], m["client_ip"])
	if i := strings.LastIndexByte(x.ClientIP, ':'); i > 0 && strings.Count(x.ClientIP, ":") == 1 {
		x.ClientIP = x.ClientIP[:i]
	}
	if t := firstStr(m["start_time"], m["time"], m["timestamp"], m["@timestamp"]); t != "" {
		if pt, err := time.Parse(time.RFC3339Nano, t); err == nil {
			x.Time = pt.UTC().Format(time.RFC3339Nano)
		}
	}
	if firstStr(m["authorization"], attrs["http.request.header.authorization"]) != "" {
		x.RequestHeader["Authorization"] = []string{"Bearer REDACTED"}
	}
	return x, x.Method != "" && x.URL != ""
}

func firstAny(vs ...any) any {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

func firstStr(vs ...any) string {
	for _, v := range vs {
		if s := str(v); s != "" {
			return s
		}
	}
	return ""
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return str(x[0])
		}
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func num(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}
