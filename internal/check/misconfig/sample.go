package misconfig

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// maxSamples bounds the operations whole-API checks sample.
const maxSamples = 3

// sample is a prepared request of a GET operation and its answer.
type sample struct {
	req  *check.Request
	resp *check.Response
}

// samples prepares and sends up to n GET operations of the API, those
// that answer 2xx first, for whole-API checks. authFirst puts operations
// that require authentication first.
func samples(ctx context.Context, p *check.Pass, n int, authFirst bool) ([]sample, error) {
	var ok, other []sample
	tried := 0
	ops := getOps(p.API)
	// Representative first: for credentialed probes the caller's own
	// resource (/me, /profile), never admin-only paths; otherwise anonymous
	// service endpoints (/health, /status).
	rank := func(op *escarp.Operation) int {
		path := strings.ToLower(op.Path)
		r := 2
		if authFirst {
			switch {
			case op.Anonymous():
				r = 4
			case meLike.MatchString(path):
				r = 0
			case strings.Contains(path, "admin"):
				r = 3
			}
		} else {
			switch {
			case op.Anonymous() && healthLike.MatchString(path):
				r = 0
			case op.Anonymous():
				r = 1
			}
		}
		return r
	}
	sort.SliceStable(ops, func(i, j int) bool { return rank(ops[i]) < rank(ops[j]) })
	for _, op := range ops {
		if len(ok) >= n || tried >= 3*n {
			break
		}
		tried++
		req, skip, err := checkkit.Prepare(ctx, p, op, checkkit.Prober(p))
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		req = checkkit.Inputs(p, req)
		resp, err := checkkit.Send(ctx, p, req)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			continue
		}
		if resp.OK() {
			ok = append(ok, sample{req, resp})
		} else {
			other = append(other, sample{req, resp})
		}
	}
	for _, s := range other {
		if len(ok) >= n {
			break
		}
		ok = append(ok, s)
	}
	return ok, nil
}

var (
	meLike     = regexp.MustCompile(`/(me|self|profile|account|user)(/|$)`)
	healthLike = regexp.MustCompile(`/(health|healthz|status|ping|version|ready|live)(/|$)`)
)

// getOps returns the GET operations of api, those without path
// parameters first.
func getOps(api *escarp.API) []*escarp.Operation {
	var flat, nested []*escarp.Operation
	for _, op := range api.Operations {
		if op.Method != "GET" {
			continue
		}
		if hasPathParam(op) {
			nested = append(nested, op)
		} else {
			flat = append(flat, op)
		}
	}
	return append(flat, nested...)
}

func hasPathParam(op *escarp.Operation) bool {
	for _, p := range op.Parameters {
		if p.In == "path" {
			return true
		}
	}
	return false
}

// resend sends a copy of req again.
func resend(ctx context.Context, p *check.Pass, req *check.Request) (*check.Response, error) {
	return checkkit.Send(ctx, p, req.Clone())
}

// rootRequest returns a request for path on the target with no operation.
func rootRequest(method, path string) *check.Request {
	return &check.Request{Method: method, Path: path, Query: url.Values{}, Header: map[string][]string{}}
}
