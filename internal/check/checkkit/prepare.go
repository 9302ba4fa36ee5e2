package checkkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/value"
)

// Prepare wraps [check.Session.Prepare], the one way checks get a valid
// request for op as identity ("" for anonymous). It reports skip=true with
// a nil error when the engine could not build a request
// ([check.ErrNotPrepared]), so that checks skip the operation rather than
// fail; any other error comes with skip=true too, wrapped. Attack probes
// pass the request through [Inputs].
func Prepare(ctx context.Context, p *check.Pass, op *escarp.Operation, identity string) (req *check.Request, skip bool, err error) {
	req, err = p.Session.Prepare(ctx, op, identity)
	if err != nil {
		if errors.Is(err, check.ErrNotPrepared) {
			return nil, true, nil
		}
		return nil, true, fmt.Errorf("prepare %s as %q: %w", op.Key(), identity, err)
	}
	if req.Op == nil {
		req.Op = op
	}
	return req, false, nil
}

// Inputs returns req, a prepared request, ready for attack probes: the
// optional query parameters the engine leaves out are added (they are
// inputs too) and values that would make the target reach beyond the
// loopback interface are contained (see [Contain]).
func Inputs(p *check.Pass, req *check.Request) *check.Request {
	if req == nil {
		return nil
	}
	if req.Op != nil {
		req = withOptional(req.Op, req)
	}
	return Contain(p, req)
}

// withOptional adds the optional query parameters the engine leaves out,
// with their example, default or a generated valid value: they are inputs
// too.
func withOptional(op *escarp.Operation, req *check.Request) *check.Request {
	for _, prm := range op.Parameters {
		if prm.In != InQuery || prm.Required || req.Query.Has(prm.Name) {
			continue
		}
		v := prm.Example
		if v == nil && prm.Schema != nil && prm.Schema.Default != nil {
			v = prm.Schema.Default
		}
		if v == nil {
			v = value.Valid(prm.Schema, prm.Name, value.Options{})
		}
		switch x := v.(type) {
		case []any, map[string]any, nil:
			continue
		case string:
			req.Query.Set(prm.Name, x)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				continue
			}
			req.Query.Set(prm.Name, strings.Trim(string(b), `"`))
		}
	}
	return req
}

var hostNames = regexp.MustCompile(`(?i)^(host|hostname|domain|server|fqdn)$`)

// Contain rewrites the values of req that would make the target reach
// beyond the loopback interface (example URLs such as
// https://hooks.example.com/, host names to resolve) to escarp's callback
// listener or localhost, so that no probe, however plain, makes a
// vulnerable target contact a third party.
func Contain(p *check.Pass, req *check.Request) *check.Request {
	safeURL := "http://127.0.0.1/"
	if cb := p.Session.Callback(); cb != nil {
		safeURL = cb.URL("escarp-data")
	}
	for _, pt := range Points(req.Op, req) {
		if pt.Kind != "string" || pt.In == InPath {
			continue
		}
		switch {
		case strings.Contains(pt.Value, "://"):
			u, err := url.Parse(pt.Value)
			if err != nil || u.Host == "" || loopback(u.Hostname()) || sameHost(p, u) {
				continue
			}
			req = pt.With(req, safeURL)
		case hostNames.MatchString(pt.Leaf()) && pt.Value != "" && !loopback(pt.Value):
			req = pt.With(req, "localhost")
		}
	}
	return req
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func sameHost(p *check.Pass, u *url.URL) bool {
	return p.Target != nil && strings.EqualFold(u.Host, p.Target.Host)
}
