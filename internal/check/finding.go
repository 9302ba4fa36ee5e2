package check

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
)

// maxEvidenceBody bounds the body kept as evidence.
const maxEvidenceBody = 4096

// maxReproducerBody bounds the body pasted into a curl reproducer.
const maxReproducerBody = 16 << 10

// NewFinding returns a DAST finding for the check described by info, on
// the operation of resp's request, with redacted evidence and a curl
// reproducer. msg says what was found in this instance. resp may be nil.
func NewFinding(info Info, resp *Response, msg string) escarp.Finding {
	f := escarp.Finding{
		RuleID:      info.ID,
		Title:       info.Title,
		Kind:        escarp.KindDAST,
		Severity:    info.Severity,
		Confidence:  escarp.ConfidenceHigh,
		OWASP:       info.OWASP,
		CWE:         info.CWE,
		Message:     msg,
		Remediation: info.Remediation,
		References:  info.References,
	}
	if resp == nil || resp.Request == nil {
		return f
	}
	req := resp.Request
	if req.Op != nil {
		f.Location.Method = req.Op.Method
		f.Location.Path = req.Op.Path
		f.Location = f.Location.At(req.Op.Pos)
		f.Location.Pointer = ""
	}
	f.Location.URL = redact.RawURL(resp.URL)
	f.Evidence = Evidence(resp)
	f.Reproducer = Curl(resp)
	return f
}

// Evidence returns the redacted request and response of resp.
func Evidence(resp *Response) *escarp.Evidence {
	if resp == nil || resp.Request == nil {
		return nil
	}
	req := resp.Request
	sent := resp.Sent
	if sent == nil {
		sent = req.Header
	}
	body, trunc := clip(string(resp.Body), maxEvidenceBody)
	reqBody, _ := clip(string(req.Body), maxEvidenceBody)
	return &escarp.Evidence{
		Request: &escarp.HTTPMessage{
			Method: req.Method,
			URL:    redact.RawURL(resp.URL),
			Header: redact.Header(sent),
			Body:   redact.Body(reqBody),
		},
		Response: &escarp.HTTPMessage{
			Status:    resp.Status,
			Header:    redact.Header(resp.Header),
			Body:      redact.Body(body),
			Truncated: trunc || resp.Truncated,
		},
	}
}

func clip(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	return s[:n], true
}

// Curl returns a curl command that replays resp's request, with every
// credential replaced by a shell variable ($ALICE_TOKEN, $API_KEY, ...) so
// that the reproducer can be shared.
func Curl(resp *Response) string {
	if resp == nil || resp.Request == nil {
		return ""
	}
	req := resp.Request
	sent := resp.Sent
	if sent == nil {
		sent = req.Header
	}
	ident := strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(req.Identity))
	var b strings.Builder
	b.WriteString("curl -i -X ")
	b.WriteString(req.Method)
	b.WriteString(" ")
	b.WriteString(shellQuote(curlURL(resp.URL, ident)))
	names := make([]string, 0, len(sent))
	for k := range sent {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Accept-Encoding") {
			continue
		}
		for _, v := range sent[k] {
			b.WriteString(" -H ")
			b.WriteString(shellQuote(k+": ", headerVar(k, v, ident)))
		}
	}
	if len(req.Body) > maxReproducerBody {
		// A reproducer is read by people: an oversized payload is described,
		// not pasted (redacting megabytes would also cost seconds).
		fmt.Fprintf(&b, " --data-binary @payload.bin  # the original body: %d bytes starting %s", len(req.Body),
			shellQuote(redact.Body(string(req.Body[:64]))))
	} else if len(req.Body) > 0 {
		b.WriteString(" --data-raw ")
		b.WriteString(shellQuote(redact.Body(string(req.Body))))
	}
	return b.String()
}

func varName(ident, what string) string {
	if ident == "" {
		return "$" + what
	}
	return "$" + ident + "_" + what
}

func headerVar(name, v, ident string) string {
	n := strings.ToLower(name)
	switch {
	case n == "authorization":
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + varName(ident, "TOKEN")
		}
		return varName(ident, "TOKEN")
	case n == "cookie":
		parts := strings.Split(v, ";")
		for i, p := range parts {
			name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
			parts[i] = name + "=" + varName(ident, strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name)))
		}
		return strings.Join(parts, "; ")
	case sensitive.Name(n):
		return varName(ident, strings.ToUpper(strings.ReplaceAll(n, "-", "_")))
	}
	return redact.String(v)
}

func curlURL(raw, ident string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redact.String(raw)
	}
	if u.User != nil {
		u.User = url.UserPassword(u.User.Username(), varName(ident, "PASSWORD"))
	}
	q := u.Query()
	changed := false
	for k, vs := range q {
		if sensitive.Name(k) {
			for i := range vs {
				vs[i] = varName(ident, strings.ToUpper(k))
			}
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
		// Keep $VARS readable: Encode escapes '$'.
		u.RawQuery = strings.ReplaceAll(u.RawQuery, "%24", "$")
	}
	return u.String()
}

// shellQuote joins parts and quotes them for a POSIX shell, in double quotes
// when the value holds a $VARIABLE so the shell expands it.
func shellQuote(parts ...string) string {
	s := strings.Join(parts, "")
	if strings.Contains(s, "$") && !strings.ContainsAny(s, "`\\\"") {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Describe returns "METHOD /path" of the request's operation, or its path.
func Describe(req *Request) string {
	if req == nil {
		return ""
	}
	if req.Op != nil {
		return req.Op.Key()
	}
	return fmt.Sprintf("%s %s", req.Method, req.Path)
}
