// Package ingest reads recorded traffic for the monitor: NGINX combined
// logs, NGINX JSON logs in escarp's documented log_format, Envoy JSON
// access logs, Kong http-log JSON, and HAR captures, detected from the
// first record or named. Logs stream line by line with bounded memory;
// Follow tails a growing log across rotation.
package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor"
)

// Format names for --log-format.
const (
	Combined  = "combined"
	NginxJSON = "nginx-json"
	Envoy     = "envoy"
	Kong      = "kong"
	HAR       = "har"
)

// Formats lists the format names.
var Formats = []string{Combined, NginxJSON, Envoy, Kong, HAR}

// Record is one exchange read from a log or capture.
type Record struct {
	X    escarp.Exchange
	Meta monitor.Meta
}

// Stats counts what a read did.
type Stats struct {
	Records  int
	Skipped  int
	Warnings []escarp.Warning
}

// Detect names the format of a log from its first bytes, or "".
func Detect(head []byte) string {
	head = bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(head) == 0 {
		return ""
	}
	if head[0] == '{' {
		line, _, _ := bytes.Cut(head, []byte("\n"))
		var m map[string]json.RawMessage
		if json.Unmarshal(line, &m) != nil {
			// Not one JSON object per line: a HAR document spans lines.
			if bytes.Contains(head, []byte(`"log"`)) {
				return HAR
			}
			return ""
		}
		return jsonFormat(m)
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if combinedRE.Match(bytes.TrimSpace(line)) {
		return Combined
	}
	return ""
}

func jsonFormat(m map[string]json.RawMessage) string {
	switch {
	case m["log"] != nil:
		return HAR
	case m["request"] != nil && m["response"] != nil:
		return Kong
	case m["response_code"] != nil || m["start_time"] != nil || m["downstream_remote_address"] != nil:
		return Envoy
	case m["request_method"] != nil || m["remote_addr"] != nil:
		return NginxJSON
	}
	return ""
}

// Read reads r (called name in messages) in format ("" detects it) and
// calls fn for each record.
func Read(r io.Reader, name, format string, fn func(*Record) error) (*Stats, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if format == "" {
		head, _ := br.Peek(8 << 10)
		if format = Detect(head); format == "" {
			return nil, escarp.InvalidAt(escarp.Position{File: name, Line: 1},
				"not a known log format (combined, nginx-json, envoy, kong, har); name it with --log-format")
		}
	}
	if format == HAR {
		return readHAR(br, name, fn)
	}
	parse, err := LineParser(format)
	if err != nil {
		return nil, err
	}
	st := &Stats{}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if err := st.line(name, line, sc.Text(), parse, fn); err != nil {
			return st, err
		}
	}
	if err := sc.Err(); err != nil {
		return st, escarp.InvalidAt(escarp.Position{File: name, Line: line + 1}, "reading log: %w", err)
	}
	if st.Records == 0 && st.Skipped > 0 {
		return st, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "no line is in %s format", format)
	}
	return st, nil
}

func (st *Stats) line(name string, n int, text string, parse func(string) (*Record, error), fn func(*Record) error) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	rec, err := parse(text)
	if err != nil {
		st.Skipped++
		if len(st.Warnings) < 20 {
			st.Warnings = append(st.Warnings, escarp.Warning{Pos: escarp.Position{File: name, Line: n}, Message: err.Error()})
		}
		if st.Records == 0 && st.Skipped >= 5 {
			return escarp.InvalidAt(escarp.Position{File: name, Line: n}, "not a log in this format: %v", err)
		}
		return nil
	}
	st.Records++
	return fn(rec)
}

// LineParser returns the parser of one line of a line-based format.
func LineParser(format string) (func(string) (*Record, error), error) {
	switch format {
	case Combined:
		return parseCombined, nil
	case NginxJSON:
		return jsonLine(fromNginx), nil
	case Envoy:
		return jsonLine(fromEnvoy), nil
	case Kong:
		return jsonLine(fromKong), nil
	}
	return nil, escarp.Errorf(escarp.Invalid, "--log-format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// combinedRE is NGINX's combined format:
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
var combinedRE = regexp.MustCompile(`^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?`)

func parseCombined(line string) (*Record, error) {
	m := combinedRE.FindStringSubmatch(line)
	if m == nil {
		return nil, fmt.Errorf("not a combined log line")
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[3])
	if err != nil {
		return nil, fmt.Errorf("time %q: %w", m[3], err)
	}
	status, _ := strconv.Atoi(m[6])
	rec := &Record{X: escarp.Exchange{ClientIP: m[1], Method: m[4], URL: m[5], Status: status,
		Time: t.UTC().Format(time.RFC3339Nano)}}
	if m[2] != "-" {
		rec.Meta.User = m[2]
	}
	rec.Meta.RespBytes, _ = strconv.ParseInt(m[7], 10, 64)
	if m[9] != "" {
		rec.X.RequestHeader = map[string][]string{"User-Agent": {m[9]}}
	}
	return rec, nil
}

func jsonLine(from func(map[string]any) (*Record, error)) func(string) (*Record, error) {
	return func(line string) (*Record, error) {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		return from(m)
	}
}

// fromNginx reads escarp's NGINX log_format (docs/monitor.md).
func fromNginx(m map[string]any) (*Record, error) {
	rec := &Record{X: escarp.Exchange{Method: str(m["request_method"]), URL: str(m["request_uri"]), ClientIP: str(m["remote_addr"]),
		Status: num(m["status"]), RequestHeader: map[string][]string{}}}
	if rec.X.Method == "" || rec.X.URL == "" {
		return nil, fmt.Errorf("no request_method or request_uri")
	}
	if h := str(m["host"]); h != "" {
		rec.X.URL = "http://" + h + rec.X.URL
	}
	t, err := parseTime(str(m["time"]))
	if err != nil {
		return nil, err
	}
	rec.X.Time = t
	rec.Meta.RespBytes = int64(num(m["body_bytes_sent"]))
	rec.Meta.ReqBytes = int64(num(m["request_length"]))
	if u := str(m["remote_user"]); u != "" && u != "-" {
		rec.Meta.User = u
	}
	headers(rec.X.RequestHeader, m, map[string]string{"http_authorization": "Authorization", "http_x_api_key": "X-Api-Key", "http_user_agent": "User-Agent"})
	if sub := str(m["jwt_sub"]); sub != "" && rec.Meta.User == "" {
		rec.Meta.User = sub
	}
	rec.X.RequestBody = str(m["request_body"])
	return rec, nil
}

// fromEnvoy reads Envoy's JSON access log (json_format with the default
// field names: start_time, method, path, response_code, bytes_sent, ...).
func fromEnvoy(m map[string]any) (*Record, error) {
	rec := &Record{X: escarp.Exchange{Method: str(m["method"]), URL: firstStr(m["path"], m["x_envoy_original_path"]),
		Status: num(m["response_code"]), RequestHeader: map[string][]string{}}}
	if rec.X.Method == "" || rec.X.URL == "" {
		return nil, fmt.Errorf("no method or path")
	}
	if h := str(m["authority"]); h != "" {
		rec.X.URL = "http://" + h + rec.X.URL
	}
	t, err := parseTime(str(m["start_time"]))
	if err != nil {
		return nil, err
	}
	rec.X.Time = t
	rec.X.ClientIP = hostOnly(firstStr(m["downstream_remote_address"], m["x_forwarded_for"]))
	rec.Meta.RespBytes = int64(num(m["bytes_sent"]))
	rec.Meta.ReqBytes = int64(num(m["bytes_received"]))
	headers(rec.X.RequestHeader, m, map[string]string{"authorization": "Authorization", "x_api_key": "X-Api-Key", "user_agent": "User-Agent"})
	if p := str(m["principal"]); p != "" {
		rec.Meta.User = p
	}
	rec.X.Route = str(m["route_name"])
	if !strings.HasPrefix(rec.X.Route, "/") {
		rec.X.Route = ""
	}
	return rec, nil
}

// fromKong reads Kong's http-log plugin payload.
func fromKong(m map[string]any) (*Record, error) {
	req, _ := m["request"].(map[string]any)
	resp, _ := m["response"].(map[string]any)
	if req == nil || resp == nil {
		return nil, fmt.Errorf("no request or response object")
	}
	rec := &Record{X: escarp.Exchange{Method: str(req["method"]), URL: firstStr(req["url"], req["uri"]), Status: num(resp["status"]),
		ClientIP: str(m["client_ip"]), RequestHeader: map[string][]string{}}}
	if rec.X.Method == "" || rec.X.URL == "" {
		return nil, fmt.Errorf("no request method or url")
	}
	if ms := num(m["started_at"]); ms > 0 {
		rec.X.Time = time.UnixMilli(int64(ms)).UTC().Format(time.RFC3339Nano)
	} else {
		return nil, fmt.Errorf("no started_at")
	}
	if h, ok := req["headers"].(map[string]any); ok {
		for k, v := range h {
			rec.X.RequestHeader[k] = []string{str(v)}
		}
	}
	rec.Meta.ReqBytes = int64(num(req["size"]))
	rec.Meta.RespBytes = int64(num(resp["size"]))
	if c, ok := m["consumer"].(map[string]any); ok {
		// Kong authenticated the consumer: a name, not a credential.
		rec.Meta.User = firstStr(c["username"], c["id"])
	}
	if route, ok := m["route"].(map[string]any); ok {
		if paths, ok := route["paths"].([]any); ok && len(paths) == 1 && strings.Contains(str(paths[0]), "{") {
			rec.X.Route = str(paths[0])
		}
	}
	return rec, nil
}

func headers(h map[string][]string, m map[string]any, fields map[string]string) {
	for field, name := range fields {
		if v := str(m[field]); v != "" && v != "-" {
			h[name] = []string{v}
		}
	}
}

func parseTime(s string) (string, error) {
	for _, layout := range []string{time.RFC3339Nano, "02/Jan/2006:15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return "", fmt.Errorf("time %q: want RFC 3339", s)
}

func hostOnly(addr string) string {
	addr, _, _ = strings.Cut(addr, ",")
	addr = strings.TrimSpace(addr)
	if i := strings.LastIndexByte(addr, ':'); i > 0 && strings.Count(addr, ":") == 1 {
		return addr[:i]
	}
	return strings.Trim(addr, "[]")
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
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func num(v any) int {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			f, _ := x.Float64()
			return int(f)
		}
		return int(n)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	case float64:
		return int(x)
	}
	return 0
}
