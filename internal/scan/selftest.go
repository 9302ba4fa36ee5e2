package scan

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// maxProbes is how many operations the identity self-test tries.
const maxProbes = 3

// outcome is what one identity got from one self-test operation.
type outcome int

const (
	untried outcome = iota
	passed
	refused
	unclear
)

// authenticate logs every identity in and proves it works. It tries
// several protected GET operations, self-scoped ones first and
// admin-looking ones last. An identity passes on a usable 2xx answer (for
// a static identity, one unlike the anonymous answer). It fails when its
// login fails, or when it is refused where another identity passed on an
// operation that is not admin-looking; an identity that could not be
// proven either way is kept, with a note. When identities are configured
// and none works, the scan cannot run.
func (r *runner) authenticate(ctx context.Context) error {
	if len(r.cfg.Identities) == 0 {
		r.note("no identities configured: authorization checks that need identities do not run")
		return nil
	}
	var failed []string
	fail := func(id Identity, err error) {
		delete(r.s.auths, id.Name)
		failed = append(failed, fmt.Sprintf("%s: %v", id.Name, err))
		r.note("identity %s failed its authentication self-test and is skipped: %v", id.Name, err)
		fmt.Fprintf(r.cfg.Progress, "scan: identity %s: FAILED: %v\n", id.Name, err)
	}
	var live []Identity
	for _, id := range r.cfg.Identities {
		a := r.s.all[id.Name]
		if a.dynamic() {
			if _, _, err := a.credentials(ctx, r.s.sendAuth); err != nil {
				fail(id, err)
				continue
			}
		}
		r.s.auths[id.Name] = a
		live = append(live, id)
	}
	probes := r.probeOps()
	got := map[string]map[*escarp.Operation]outcome{}
	why := map[string]map[*escarp.Operation]string{}
	for _, op := range probes {
		var anon *check.Response
		for _, id := range live {
			if got[id.Name] == nil {
				got[id.Name] = map[*escarp.Operation]outcome{}
				why[id.Name] = map[*escarp.Operation]string{}
			}
			req, err := r.s.prepare(ctx, op, id.Name, maxCreateDepth)
			if err != nil {
				continue
			}
			resp, err := r.s.Do(ctx, req)
			if err != nil {
				got[id.Name][op], why[id.Name][op] = unclear, err.Error()
				continue
			}
			o, w := r.judge(resp)
			if o == passed && !r.s.all[id.Name].dynamic() {
				if anon == nil {
					cp := req.Clone()
					cp.Identity = ""
					if ar, err := r.s.Do(ctx, cp); err == nil {
						anon = ar
					} else {
						anon = &check.Response{}
					}
				}
				if r.s.Usable(anon) && bytes.Equal(anon.Body, resp.Body) {
					o, w = refused, "the same answer as without credentials"
				}
			}
			got[id.Name][op], why[id.Name][op] = o, fmt.Sprintf("%s answered %s", op.Key(), w)
		}
	}
	for _, id := range live {
		res := got[id.Name]
		ok, tried := false, 0
		for _, o := range res {
			ok = ok || o == passed
			if o != untried {
				tried++
			}
		}
		if ok || tried == 0 {
			fmt.Fprintf(r.cfg.Progress, "scan: identity %s: ok\n", id.Name)
			continue
		}
		var evidence string
		for _, op := range probes {
			if res[op] != refused || adminLooking(op) {
				continue
			}
			for _, other := range live {
				if other.Name != id.Name && got[other.Name][op] == passed {
					evidence = fmt.Sprintf("%s, where %s passed", why[id.Name][op], other.Name)
					break
				}
			}
			if evidence != "" {
				break
			}
		}
		if evidence == "" && !r.s.all[id.Name].dynamic() {
			// A static identity must prove itself: nothing shows its
			// headers are accepted.
			for _, op := range probes {
				if res[op] != untried {
					evidence = why[id.Name][op]
					break
				}
			}
		}
		if evidence != "" {
			fail(id, fmt.Errorf("%s", evidence))
			continue
		}
		var tries []string
		for _, op := range probes {
			if res[op] != untried {
				tries = append(tries, why[id.Name][op])
			}
		}
		r.note("identity %s logged in but no self-test operation proved it works (%s); it is kept", id.Name, strings.Join(tries, "; "))
		fmt.Fprintf(r.cfg.Progress, "scan: identity %s: kept (unproven)\n", id.Name)
	}
	if len(r.s.auths) == 0 {
		return &escarp.Error{Op: "scan.Run", Kind: escarp.Unavailable,
			Message: "no identity could authenticate: " + strings.Join(failed, "; ")}
	}
	return nil
}

// judge classifies a self-test answer.
func (r *runner) judge(resp *check.Response) (outcome, string) {
	switch {
	case r.s.Usable(resp):
		return passed, fmt.Sprint(resp.Status)
	case resp.OK():
		return refused, fmt.Sprintf("%d with a failure body", resp.Status)
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		return refused, fmt.Sprint(resp.Status)
	}
	return unclear, fmt.Sprint(resp.Status)
}

// adminWords mark operations that only privileged identities may call.
var adminWords = map[string]bool{"admin": true, "admins": true, "administrator": true, "staff": true,
	"internal": true, "manage": true, "management": true, "moderator": true, "moderation": true,
	"root": true, "superuser": true, "ops": true, "backoffice": true, "privileged": true}

// adminLooking reports whether op looks reserved to privileged
// identities by its path, operationId, tags or summary.
func adminLooking(op *escarp.Operation) bool {
	words := append(tokens(staticPath(op.Path)), tokens(op.ID)...)
	for _, t := range op.Tags {
		words = append(words, tokens(t)...)
	}
	words = append(words, tokens(op.Summary)...)
	for _, w := range words {
		if adminWords[w] {
			return true
		}
	}
	return false
}

// selfWords mark "who am I" operations.
var selfWords = map[string]bool{"me": true, "self": true, "whoami": true, "profile": true, "account": true,
	"session": true, "current": true, "my": true, "user": true, "users": true}

// probeOps returns the operations the self-test tries: protected GETs
// that are not destructive, self-scoped first (a /me, or a path whose
// parameter takes the identity's own id), parameterless next,
// admin-looking last.
func (r *runner) probeOps() []*escarp.Operation {
	type cand struct {
		op    *escarp.Operation
		score int
	}
	var cands []cand
	for _, op := range r.api.Operations {
		if op.Method != http.MethodGet || op.Anonymous() || destructiveOp(op) {
			continue
		}
		score := 0
		params := escarp.ParsePathTemplate(op.Path).Params()
		if len(params) == 0 {
			score += 2
		}
		for _, w := range tokens(staticPath(op.Path)) {
			if selfWords[w] {
				score += 3
				break
			}
		}
		for _, p := range params {
			if userNouns[pathNoun(op.Path, p)] || userNouns[nameNoun(p)] || userNouns[norm(p)] {
				score++
			} else {
				score -= 2
			}
		}
		if adminLooking(op) {
			score -= 10
		}
		cands = append(cands, cand{op, score})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var out []*escarp.Operation
	for _, c := range cands {
		if len(out) == maxProbes {
			break
		}
		out = append(out, c.op)
	}
	return out
}
