package consumption

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Defaults of the check's knobs.
const (
	DefaultWait = 2 * time.Second
	// DefaultLarge is the size of the oversized answer served.
	DefaultLarge = 16 << 20
)

// Unsafe is ESC-DAST-CONS-001: the target consumes a URL escarp controls
// and mishandles hostile answers.
type Unsafe struct {
	// Wait bounds how long a callback hit is waited for.
	Wait time.Duration
	// Large is the size of the oversized answer (bytes).
	Large int
}

var _ check.Check = (*Unsafe)(nil)

// Info returns the check's metadata.
func (c *Unsafe) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONS-001",
		Title:    "Unsafe consumption of a third-party API",
		Severity: escarp.SeverityMedium,
		OWASP:    "API10:2023",
		CWE:      []string{"CWE-20", "CWE-502", "CWE-918"},
		Description: "Where the API fetches a URL escarp controls (a hit on escarp's callback listener for a URL-shaped value), " +
			"escarp's listener answers with hostile content and escarp reports what it can observe: a redirect followed to another " +
			"callback path; data it served (a template expression, a SQL quote) evaluated or breaking the server (the product, a " +
			"database error or stack trace in the answer); malformed JSON turning the answer into a 5xx or a stack trace; an oversized " +
			"answer read to its end (no size limit). A well-formed answer is served first as the baseline, and each behaviour is seen twice.",
		Remediation: "Treat third-party answers as untrusted input: bound their size and time, refuse redirects, validate them " +
			"against a schema, and bind their values as data:\n\n" +
			"```go\nclient := &http.Client{Timeout: 5 * time.Second,\n\tCheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}\nbody := io.LimitReader(resp.Body, 1<<20)\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xaa-unsafe-consumption-of-apis/",
			"https://cwe.mitre.org/data/definitions/20.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Callback: true, Mutating: true},
	}
}

// Run probes the URL-shaped points of the operation that the target
// fetches.
func (c *Unsafe) Run(ctx context.Context, p *check.Pass) error {
	cb := p.Session.Callback()
	if cb == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	info := c.Info()
	for _, pt := range checkkit.URLPoints(p.Op, req) {
		pr := &prober{c: c, p: p, cb: cb, req: req, pt: pt}
		if err := pr.run(ctx, info); err != nil {
			return err
		}
	}
	return nil
}

type prober struct {
	c   *Unsafe
	p   *check.Pass
	cb  check.Callback
	req *check.Request
	pt  checkkit.Point
}

func (pr *prober) wait() time.Duration {
	if pr.c.Wait > 0 {
		return pr.c.Wait
	}
	return DefaultWait
}

// send serves h at a fresh token, sends the probe and waits for the hit.
func (pr *prober) send(ctx context.Context, h func(tok string) http.Handler) (*check.Response, string, bool, error) {
	tok := "cons-" + checkkit.Token(6)
	pr.cb.Serve(tok, h(tok))
	defer pr.cb.Serve(tok, nil)
	r := pr.pt.With(pr.req, pr.cb.URL(tok))
	r.Timeout = 15 * time.Second
	resp, err := checkkit.Send(ctx, pr.p, r)
	if err != nil {
		return nil, tok, false, err
	}
	hit := checkkit.WaitHit(ctx, pr.cb, tok, pr.wait())
	return resp, tok, hit, nil
}

func jsonHandler(body string) func(string) http.Handler {
	return func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		})
	}
}

type scenario struct {
	name string
	// probe returns the evidence and whether the unsafe behaviour showed.
	probe func(ctx context.Context, base *check.Response) (*check.Response, string, bool, error)
}

func (pr *prober) run(ctx context.Context, info check.Info) error {
	benign := `{"id":1,"name":"escarp","title":"escarp","description":"escarp","url":"https://example.com/","status":"ok"}`
	base, _, hit, err := pr.send(ctx, jsonHandler(benign))
	if err != nil || !hit {
		return err
	}
	var found []string
	var evidence *check.Response
	var notes []string
	for _, sc := range pr.scenarios() {
		r1, note, ok, err := sc.probe(ctx, base)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if _, _, ok, err = sc.probe(ctx, base); err != nil {
			return err
		} else if !ok {
			continue
		}
		found = append(found, sc.name)
		notes = append(notes, note)
		if evidence == nil {
			evidence = r1
		}
	}
	if len(found) == 0 {
		return nil
	}
	if evidence == nil {
		evidence = base
	}
	pr.p.Report(checkkit.Finding(info, pr.p.Op, evidence, pr.pt.Param(),
		fmt.Sprintf("%s consumes the URL in %s unsafely: %s", pr.p.Op.Key(), pr.pt.Describe(), strings.Join(found, "; ")),
		strings.Join(notes, "; ")))
	return nil
}

func (pr *prober) scenarios() []scenario {
	return []scenario{
		{"follows redirects from the consumed API", pr.redirect},
		{"evaluates or breaks on injected data", pr.injected},
		{"fails on malformed JSON", pr.malformed},
		{"reads oversized answers without a limit", pr.oversized},
	}
}

func (pr *prober) redirect(ctx context.Context, _ *check.Response) (*check.Response, string, bool, error) {
	next := "cons-" + checkkit.Token(6)
	resp, _, _, err := pr.send(ctx, func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, pr.cb.URL(next), http.StatusFound)
		})
	})
	if err != nil {
		return nil, "", false, err
	}
	ok := checkkit.WaitHit(ctx, pr.cb, next, pr.wait())
	return resp, "a 302 from escarp's listener was followed to another callback path", ok, nil
}

func (pr *prober) injected(ctx context.Context, base *check.Response) (*check.Response, string, bool, error) {
	a, b := rand.IntN(9000)+1000, rand.IntN(9000)+1000 // #nosec G404 -- canary operands, not secrets
	product := strconv.Itoa(a * b)
	v := fmt.Sprintf(`escarp'\"{{%d*%d}}${%d*%d}`, a, b, a, b)
	body := hostile(v)
	resp, _, _, err := pr.send(ctx, jsonHandler(body))
	if err != nil || resp == nil {
		return nil, "", false, err
	}
	switch {
	case strings.Contains(string(resp.Body), product):
		return resp, fmt.Sprintf("the template expression {{%d*%d}} served by escarp came back evaluated (%s)", a, b, product), true, nil
	case base != nil && checkkit.Leak(resp.Body) != "" && checkkit.Leak(base.Body) == "":
		return resp, fmt.Sprintf("a quote served by escarp produced %q", checkkit.Leak(resp.Body)), true, nil
	case base != nil && crashed(resp) && !crashed(base):
		return resp, fmt.Sprintf("a quote served by escarp produced a %d", resp.Status), true, nil
	}
	return resp, "", false, nil
}

func (pr *prober) malformed(ctx context.Context, base *check.Response) (*check.Response, string, bool, error) {
	resp, _, hit, err := pr.send(ctx, jsonHandler(`{"id":1,"name":"escarp","items":[{"a":`))
	if err != nil || resp == nil || !hit || base == nil {
		return nil, "", false, err
	}
	if crashed(resp) && !crashed(base) {
		return resp, fmt.Sprintf("malformed JSON from escarp's listener gave %d (well-formed: %d)", resp.Status, base.Status), true, nil
	}
	if l := checkkit.Leak(resp.Body); l != "" && checkkit.Leak(base.Body) == "" {
		return resp, fmt.Sprintf("malformed JSON from escarp's listener gave %q", l), true, nil
	}
	return resp, "", false, nil
}

func (pr *prober) oversized(ctx context.Context, _ *check.Response) (*check.Response, string, bool, error) {
	size := pr.c.Large
	if size <= 0 {
		size = DefaultLarge
	}
	var written atomic.Int64
	var complete atomic.Bool
	resp, _, _, err := pr.send(ctx, func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(size+len(`{"data":""}`)))
			chunk := []byte(strings.Repeat("a", 64<<10))
			if _, err := w.Write([]byte(`{"data":"`)); err != nil {
				return
			}
			for n := 0; n < size; n += len(chunk) {
				c := chunk[:min(len(chunk), size-n)]
				if _, err := w.Write(c); err != nil {
					return
				}
				written.Add(int64(len(c)))
			}
			if _, err := w.Write([]byte(`"}`)); err == nil {
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
				complete.Store(true)
			}
		})
	})
	if err != nil {
		return nil, "", false, err
	}
	// The handler may still be writing after the target answered.
	deadline := time.Now().Add(pr.wait())
	for !complete.Load() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !complete.Load() {
		return resp, "", false, nil
	}
	return resp, fmt.Sprintf("the target read all %d MiB escarp's listener sent", size>>20), true, nil
}

// crashed reports a server error that is not the proper answer to a bad
// upstream (502, 503 and 504 are).
func crashed(r *check.Response) bool {
	return r.Status >= 500 && r.Status != 502 && r.Status != 503 && r.Status != 504
}

// hostileKeys are member names third-party APIs commonly use; the hostile
// document fills them all, at the top level and in the items of common
// list members, so that whatever the consumer reads holds the payload.
var hostileKeys = []string{"id", "name", "title", "description", "text", "message", "status", "type", "value", "code",
	"station", "city", "location", "label", "summary", "note", "comment", "at", "time", "date", "email", "username"}

var hostileLists = []string{"items", "data", "results", "records", "entries", "readings", "values", "list"}

// hostile returns a JSON document with payload v in every common member.
func hostile(v string) string {
	obj := map[string]any{}
	for _, k := range hostileKeys {
		obj[k] = v
	}
	doc := map[string]any{}
	for k, x := range obj {
		doc[k] = x
	}
	for _, k := range hostileLists {
		doc[k] = []any{obj}
	}
	b, _ := json.Marshal(doc)
	return string(b)
}
