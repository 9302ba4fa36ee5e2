// Package scan is escarp's DAST engine. It plans requests from an API
// description (an operation dependency graph: which operation creates the
// ids another consumes), authenticates the configured identities and proves
// each works, creates the resources each identity needs, runs the checks it
// is given through a [Session] that keeps every request within scope, rate
// and budget, deduplicates their findings by fingerprint, and deletes what
// it created.
//
// The engine never imports checks: cmd/escarp hands it the explicit list
// from internal/check/list.
package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// maxNotes bounds the notes a run carries.
const maxNotes = 50

// Engine runs checks against a target.
type Engine struct {
	cfg    Config
	checks []check.Check
}

// New returns an engine that runs checks with cfg.
func New(cfg Config, checks []check.Check) *Engine {
	return &Engine{cfg: cfg, checks: checks}
}

// Run scans target (a base URL) described by api with checks; see
// [Engine.Run].
func Run(ctx context.Context, api *escarp.API, target string, cfg Config, checks []check.Check) (*escarp.Run, error) {
	return New(cfg, checks).Run(ctx, api, target)
}

// Run scans target. It returns the run (findings, rules that ran, stats,
// notes) even when it also returns an error: an *escarp.Error of kind
// Invalid for bad settings, Unavailable when the target is unreachable, no
// identity authenticates, or the budget ran out before every check ran.
func (e *Engine) Run(ctx context.Context, api *escarp.API, target string) (*escarp.Run, error) {
	const op = "scan.Run"
	started := time.Now()
	cfg, err := e.cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid,
			Message: fmt.Sprintf("target %q: must be an absolute http(s) URL", target)}
	}
	u.RawQuery, u.Fragment = "", ""
	if api == nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "no API description"}
	}
	basePath := ""
	if u.Path == "" || u.Path == "/" {
		basePath = serverPath(api)
		u.Path = basePath
	}
	for _, id := range cfg.Identities {
		if err := id.validate(); err != nil {
			return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: err.Error()}
		}
	}
	checks, err := Select(e.checks, cfg.Checks, cfg.SkipChecks)
	if err != nil {
		return nil, err
	}
	s, err := newSession(api, u, cfg)
	if err != nil {
		return nil, err
	}
	defer s.close()
	r := &runner{s: s, cfg: cfg, api: api, seen: map[string]int{}, spent: map[string]time.Duration{}}
	run := &escarp.Run{Engine: escarp.EngineScan, Target: target, Spec: api.Location, StartedAt: started,
		Rules: []escarp.RuleInfo{}, Findings: []escarp.Finding{}}
	finish := func(err error) (*escarp.Run, error) {
		r.cleanup()
		for _, n := range s.guard.notes() {
			r.note("%s", n)
		}
		run.FinishedAt = time.Now()
		run.Findings = r.sortedFindings()
		run.Notes = r.notes
		net := s.edge.Stats()
		run.Stats = map[string]int64{
			"requests":   net.Requests,
			"operations": int64(len(api.Operations)),
			"durationMs": time.Since(started).Milliseconds(),
			"identities": int64(len(s.auths)),
			"checks":     int64(len(run.Rules)),
			"findings":   int64(len(run.Findings)),
			"errors":     net.Errors,
			"timeouts":   net.Timeouts,
			"refused":    net.Refused,
			"tls":        net.TLS,
			"tooMany":    net.TooMany,
			"offScope":   net.OffScope,
			"created":    int64(len(s.pool.created)),
			"cleaned":    r.cleaned,
			"status429":  s.tooMany.Load(),
			"status5xx":  s.serverErrors.Load(),
			"redirects":  s.redirects.Load(),
			// Bodies cut at the edge's bound or broken off mid-read.
			"truncated": max(s.truncated.Load(), net.Truncated),
		}
		if err == nil {
			err = r.honest(run.Stats)
		}
		run.Notes = r.notes
		return run, err
	}

	fmt.Fprintf(cfg.Progress, "scan: %s (%d operations, %d checks)\n", target, len(api.Operations), len(checks))
	if basePath != "" {
		r.note("the target has no base path: using %s from the API description's first server", basePath)
	}
	if err := r.reachable(ctx); err != nil {
		return finish(err)
	}
	r.learnFailures(ctx)
	if err := r.authenticate(ctx); err != nil {
		return finish(err)
	}
	ran := r.runChecks(ctx, checks)
	for _, c := range ran {
		run.Rules = append(run.Rules, c.Info().RuleInfo())
	}
	if net := s.edge.Stats(); net.TooMany > 0 {
		r.note("the target answered 429 %d times: the rate was lowered to %.1f requests per second", net.TooMany, net.Rate)
	}
	if net := s.edge.Stats(); net.Errors > 0 || net.OffScope > 0 {
		r.note("network: %s", net.Summary())
	}
	if s.stopRetry.Load() {
		return finish(&escarp.Error{Op: op, Kind: escarp.Unavailable,
			Message: fmt.Sprintf("the target asked escarp to wait (Retry-After) past the end of the time budget; the scan stopped after %d requests", s.Requests())})
	}
	if s.budgetHit() {
		return finish(&escarp.Error{Op: op, Kind: escarp.Unavailable,
			Message: fmt.Sprintf("the scan budget ran out after %d requests and %s; %d check runs were skipped",
				s.Requests(), time.Since(started).Round(time.Millisecond), r.skipped)})
	}
	if ctx.Err() != nil {
		return finish(&escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "scan interrupted", Err: ctx.Err()})
	}
	return finish(nil)
}

// minHonest is the number of requests below which the usable-answer
// ratio is not judged.
const minHonest = 20

// honest returns an error (exit 3) when fewer than half of the answers
// were usable: connection errors, 429, 5xx and redirects off the
// described operations. It notes the counts and the likely reason.
func (r *runner) honest(stats map[string]int64) error {
	total := stats["requests"]
	bad := stats["errors"] + stats["status429"] + stats["status5xx"] + stats["redirects"]
	if total < minHonest || bad*2 <= total {
		return nil
	}
	reason := "the target is failing"
	switch max(stats["errors"], stats["status429"], stats["status5xx"], stats["redirects"]) {
	case stats["redirects"]:
		reason = "most answers were redirects: a wrong base URL, an http→https redirect or a login page in front of the API"
	case stats["status429"]:
		reason = "most answers were 429: a WAF or gateway rate limit; lower --rate"
	case stats["errors"]:
		reason = "most requests failed to connect or timed out: a wrong target, a firewall, or an overloaded server"
	case stats["status5xx"]:
		reason = "most answers were server errors: the target is down or misconfigured, or a WAF blocks escarp"
	}
	msg := fmt.Sprintf("only %d of %d answers were usable (%d connection errors, %d answers 429, %d 5xx, %d redirects): %s; the findings are not a clean result",
		total-bad, total, stats["errors"], stats["status429"], stats["status5xx"], stats["redirects"], reason)
	r.notes = append(r.notes, msg)
	return &escarp.Error{Op: "scan.Run", Kind: escarp.Unavailable, Message: msg}
}

// serverPath returns the path of the API's first server URL ("/v1" for
// "https://api.example.com/v1"), or "" when it has none or uses variables.
func serverPath(api *escarp.API) string {
	if len(api.Servers) == 0 || strings.Contains(api.Servers[0].URL, "{") {
		return ""
	}
	su, err := url.Parse(api.Servers[0].URL)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(su.Path, "/")
	if p == "" {
		return ""
	}
	return p
}

// Select returns the checks that include selects (all when empty) and
// exclude does not. A selector is a check id, an id prefix
// ("ESC-DAST-BOLA") or an OWASP category ("API1" or "API1:2023"). A
// selector that matches no check is an input error.
func Select(checks []check.Check, include, exclude []string) ([]check.Check, error) {
	for _, sel := range append(append([]string(nil), include...), exclude...) {
		sel = strings.TrimSpace(sel)
		if sel == "" {
			continue
		}
		found := false
		for _, c := range checks {
			if matches(c.Info(), sel) {
				found = true
				break
			}
		}
		if !found {
			return nil, escarp.Errorf(escarp.Invalid, "check selector %q matches no check", sel)
		}
	}
	var out []check.Check
	for _, c := range checks {
		info := c.Info()
		in := len(include) == 0
		for _, sel := range include {
			in = in || matches(info, sel)
		}
		for _, sel := range exclude {
			if matches(info, sel) {
				in = false
			}
		}
		if in {
			out = append(out, c)
		}
	}
	return out, nil
}

func matches(info check.Info, sel string) bool {
	sel = strings.ToUpper(strings.TrimSpace(sel))
	if sel == "" {
		return false
	}
	id := strings.ToUpper(info.ID)
	if id == sel || strings.HasPrefix(id, sel+"-") || strings.HasPrefix(id, sel) && strings.HasSuffix(sel, "-") {
		return true
	}
	if strings.HasPrefix(sel, "API") {
		owasp := strings.ToUpper(info.OWASP)
		cat, _, _ := strings.Cut(owasp, ":")
		return owasp == sel || cat == sel
	}
	return false
}

// runner is the state of one run.
type runner struct {
	s   *Session
	cfg Config
	api *escarp.API

	mu       sync.Mutex
	findings []escarp.Finding
	seen     map[string]int
	notes    []string
	skipped  int
	// spent is the time each check ran, summed over operations.
	spent map[string]time.Duration
	// cleaned counts the resources deleted at cleanup.
	cleaned int64
}

func (r *runner) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.notes) < maxNotes {
		r.notes = append(r.notes, fmt.Sprintf(format, args...))
	}
}

// reachable proves the target answers HTTP at all.
func (r *runner) reachable(ctx context.Context) error {
	_, err := r.s.Do(ctx, &check.Request{Method: "GET", Path: "/"})
	if err != nil && ctx.Err() == nil && isTimeout(err) {
		return &escarp.Error{Op: "scan.Run", Kind: escarp.Unavailable,
			Message: fmt.Sprintf("target %s timed out after %s (raise --timeout)", r.s.origin, r.cfg.Timeout), Err: err}
	}
	if err != nil {
		return &escarp.Error{Op: "scan.Run", Kind: escarp.Unavailable,
			Message: fmt.Sprintf("target %s is unreachable", r.s.origin), Err: err}
	}
	return nil
}

// isTimeout reports whether err is a request that ran out of time, as
// opposed to one refused or unresolvable.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// identities returns the working identities in configuration order.
func (r *runner) identities() []check.Identity {
	var out []check.Identity
	for _, id := range r.cfg.Identities {
		if r.s.auths[id.Name] != nil {
			out = append(out, check.Identity{Name: id.Name, Privileged: id.Privileged})
		}
	}
	return out
}

// gate returns why a check may not run, or "".
func (r *runner) gate(info check.Info, ids []check.Identity) string {
	req := info.Requires
	switch {
	case req.Identities > len(ids):
		return fmt.Sprintf("needs %d working identities, have %d", req.Identities, len(ids))
	case req.Destructive && !r.cfg.AllowDestructive:
		return "destructive: needs --allow-destructive"
	case req.Callback && r.s.cb == nil:
		return "needs the callback listener"
	}
	if req.Privileged {
		priv := false
		for _, id := range ids {
			priv = priv || id.Privileged
		}
		if !priv {
			return "needs a privileged identity"
		}
	}
	return ""
}

// job is one check on one operation (or the API), or, for an operation
// that changes state, every check on it in order (then): checks that
// write the same object must not overwrite each other's markers.
type job struct {
	c    check.Check
	op   *escarp.Operation
	then []step
}

// step is one check on one operation of a chained job.
type step struct {
	c  check.Check
	op *escarp.Operation
}

// runChecks runs every check that passes its gate and returns those that
// ran.
func (r *runner) runChecks(ctx context.Context, checks []check.Check) []check.Check {
	ids := r.identities()
	var ran []check.Check
	var jobs []job
	for _, c := range checks {
		info := c.Info()
		if why := r.gate(info, ids); why != "" {
			r.note("%s skipped: %s", info.ID, why)
			continue
		}
		ran = append(ran, c)
		if info.Scope == check.PerAPI {
			jobs = append(jobs, job{c: c})
		}
	}
	writeJob := map[string]int{}
	for _, op := range order(r.api.Operations) {
		if !r.selected(op) {
			continue
		}
		var chain []check.Check
		for _, c := range ran {
			if c.Info().Scope == check.PerOperation {
				chain = append(chain, c)
			}
		}
		switch {
		case len(chain) == 0:
		case op.Method == "PUT" || op.Method == "PATCH" || op.Method == "DELETE":
			// Every write on one path is one job: PUT, PATCH, then DELETE,
			// so that no check deletes or rewrites the object another is
			// confirming a change on.
			at, ok := writeJob[op.Path]
			if !ok {
				at = len(jobs)
				writeJob[op.Path] = at
				jobs = append(jobs, job{c: chain[0], op: op})
				chain = chain[1:]
			}
			for _, c := range chain {
				jobs[at].then = append(jobs[at].then, step{c: c, op: op})
			}
		default:
			for _, c := range chain {
				jobs = append(jobs, job{c: c, op: op})
			}
		}
	}
	ch := make(chan job)
	var wg sync.WaitGroup
	var done sync.Map
	for w := 0; w < r.cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				if r.s.budgetHit() || r.s.stopRetry.Load() || ctx.Err() != nil {
					r.mu.Lock()
					r.skipped++
					r.mu.Unlock()
					continue
				}
				r.runOne(ctx, j, ids)
				done.Store(j.c.Info().ID, true)
				for _, st := range j.then {
					if r.s.budgetHit() || r.s.stopRetry.Load() || ctx.Err() != nil {
						break
					}
					r.runOne(ctx, job{c: st.c, op: st.op}, ids)
					done.Store(st.c.Info().ID, true)
				}
			}
		}()
	}
	var bar *progressbar.ProgressBar
	if r.cfg.Bar != nil {
		bar = progressbar.NewOptions(len(jobs), progressbar.OptionSetWriter(r.cfg.Bar),
			progressbar.OptionSetDescription("scan"), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
	}
	for i, j := range jobs {
		if i%50 == 0 && bar == nil {
			fmt.Fprintf(r.cfg.Progress, "scan: %d/%d check runs, %d requests\n", i, len(jobs), r.s.Requests())
		}
		ch <- j
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	close(ch)
	wg.Wait()
	if bar != nil {
		_ = bar.Finish()
	}
	r.reportSlowest()
	return ran
}

// reportSlowest writes the checks that took longest to the progress
// output, so users see where a long scan spends its time.
func (r *runner) reportSlowest() {
	r.mu.Lock()
	defer r.mu.Unlock()
	type spent struct {
		id string
		d  time.Duration
	}
	var all []spent
	for id, d := range r.spent {
		all = append(all, spent{id, d})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d > all[j].d })
	for i, x := range all {
		if i == 5 {
			break
		}
		fmt.Fprintf(r.cfg.Detail, "scan: %s ran for %s in total\n", x.id, x.d.Round(time.Millisecond))
	}
}

// selected reports whether per-operation checks run on op.
func (r *runner) selected(op *escarp.Operation) bool {
	if len(r.cfg.Operations) == 0 {
		return true
	}
	for _, k := range r.cfg.Operations {
		if strings.EqualFold(strings.Join(strings.Fields(k), " "), op.Key()) || (op.ID != "" && k == op.ID) {
			return true
		}
	}
	return false
}

func (r *runner) runOne(ctx context.Context, j job, ids []check.Identity) {
	info := j.c.Info()
	started := time.Now()
	defer func() {
		r.mu.Lock()
		r.spent[info.ID] += time.Since(started)
		r.mu.Unlock()
	}()
	p := &check.Pass{API: r.api, Op: j.op, Target: r.s.target, Identities: ids, Session: r.s,
		Report: func(f escarp.Finding) { r.report(info, j.op, f) }}
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			}
		}()
		return j.c.Run(ctx, p)
	}()
	if err == nil || errors.Is(err, check.ErrBudget) || errors.Is(err, check.ErrNotPrepared) || ctx.Err() != nil {
		return
	}
	where := "API"
	if j.op != nil {
		where = j.op.Key()
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	r.note("%s on %s could not run: %s", info.ID, where, msg)
}

// report records a finding: it fills what the check left out, drops it when
// it is out of scope, and deduplicates by fingerprint.
func (r *runner) report(info check.Info, op *escarp.Operation, f escarp.Finding) {
	if f.RuleID == "" {
		f.RuleID = info.ID
	}
	if f.Title == "" {
		f.Title = info.Title
	}
	if f.Kind == "" {
		f.Kind = escarp.KindDAST
	}
	if f.OWASP == "" {
		f.OWASP = info.OWASP
	}
	if f.CWE == nil {
		f.CWE = info.CWE
	}
	if f.Remediation == "" {
		f.Remediation = info.Remediation
	}
	if f.Location.Method == "" && f.Location.Path == "" && op != nil {
		f.Location.Method, f.Location.Path = op.Method, op.Path
		f.Location = f.Location.At(op.Pos)
	}
	if f.Location.File == "" && r.api.Location != "" && !strings.Contains(r.api.Location, "://") {
		f.Location.File = r.api.Location
		if f.Location.Line == 0 {
			f.Location.Line = 1
		}
	}
	if f.Location.URL != "" {
		u, err := url.Parse(f.Location.URL)
		if err != nil || (u.Host != "" && u.Host != r.s.target.Host) {
			r.note("%s reported a finding outside the target (%s): dropped", f.RuleID, f.Location.URL)
			return
		}
	}
	f.Fingerprint = escarp.Fingerprint(&f)
	r.mu.Lock()
	defer r.mu.Unlock()
	if i, ok := r.seen[f.Fingerprint]; ok {
		if f.Severity > r.findings[i].Severity {
			r.findings[i] = f
		}
		return
	}
	r.seen[f.Fingerprint] = len(r.findings)
	r.findings = append(r.findings, f)
}

func (r *runner) sortedFindings() []escarp.Finding {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]escarp.Finding{}, r.findings...)
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := out[i].Severity, out[j].Severity
		if si != sj {
			return si > sj
		}
		if out[i].RuleID != out[j].RuleID {
			return out[i].RuleID < out[j].RuleID
		}
		return out[i].Location.Operation() < out[j].Location.Operation()
	})
	return out
}

// cleanup deletes, newest first, every resource escarp created, as the
// identity that created it, within a bounded time.
func (r *runner) cleanup() {
	s := r.s
	s.pool.mu.Lock()
	todo := append([]created(nil), s.pool.created...)
	s.pool.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	failed := 0
	for i := len(todo) - 1; i >= 0; i-- {
		c := todo[i]
		if c.deletePath == "" || ctx.Err() != nil {
			continue
		}
		resp, err := s.do(ctx, &check.Request{Method: "DELETE", Path: c.deletePath, Identity: c.identity}, true)
		if err != nil || (resp.Status >= 300 && resp.Status != 404 && resp.Status != 410) || resp.Failed {
			failed++
			continue
		}
		r.cleaned++
	}
	if failed > 0 {
		r.note("cleanup: %d of %d resources escarp created could not be deleted", failed, len(todo))
	}
}
