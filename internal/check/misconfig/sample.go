package misconfig

import (
	"context"
	"net/url"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/injection"
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
	if authFirst {
		var auth, anon []*escarp.Operation
		for _, op := range ops {
			if op.Anonymous() {
				anon = append(anon, op)
			} else {
				auth = append(auth, op)
			}
		}
		ops = append(auth, anon...)
	}
	for _, op := range ops {
		if len(ok) >= n || tried >= 3*n {
			break
		}
		tried++
		req, err := injection.Prepare(ctx, p, op)
		if err != nil {
			return nil, err
		}
		if req == nil {
			continue
		}
		resp, err := injection.Send(ctx, p, req)
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
	return injection.Send(ctx, p, req.Clone())
}

// rootRequest returns a request for path on the target with no operation.
func rootRequest(method, path string) *check.Request {
	return &check.Request{Method: method, Path: path, Query: url.Values{}, Header: map[string][]string{}}
}
