package checkkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/escarp/escarp/internal/check"
)

// Fatal reports whether an error from [check.Session.Do] must stop the
// check (budget exhausted, context cancelled). Other errors (one request
// out of scope or failing) only end the current probe.
func Fatal(ctx context.Context, err error) bool {
	return err != nil && (errors.Is(err, check.ErrBudget) || ctx.Err() != nil)
}

// As returns a copy of req sent as identity ("" for anonymous).
func As(req *check.Request, identity string) *check.Request {
	cp := req.Clone()
	cp.Identity = identity
	return cp
}

// Marker returns a unique, recognizable value: prefix followed by random hex.
func Marker(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Send sends req. It returns a nil response and a nil error when nothing
// usable came back for this request (network failure, out of scope), and
// an error only when the check must stop (budget, cancellation).
func Send(ctx context.Context, p *check.Pass, req *check.Request) (*check.Response, error) {
	resp, err := p.Session.Do(ctx, req)
	if err != nil {
		if errors.Is(err, check.ErrBudget) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, nil
	}
	return resp, nil
}

// Token returns a random lower-case hex token of n bytes.
func Token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// timingMu serializes time-based probes of all checks of a process, so
// that one probe's delay (a slept database connection, a busy CPU) is not
// read as another's.
var timingMu sync.Mutex

// Timed is the result of one timed request.
type Timed struct {
	Resp     *check.Response
	Duration time.Duration
	TimedOut bool
}

// SendTimed sends req and measures it; a request that timed out counts as
// taking its whole timeout. Other failures give a zero Timed and no error.
func SendTimed(ctx context.Context, p *check.Pass, req *check.Request) (Timed, error) {
	start := time.Now()
	resp, err := p.Session.Do(ctx, req)
	el := time.Since(start)
	if err != nil {
		if errors.Is(err, check.ErrBudget) {
			return Timed{}, err
		}
		if ctx.Err() != nil {
			return Timed{}, ctx.Err()
		}
		if isTimeout(err) {
			return Timed{Duration: el, TimedOut: true}, nil
		}
		return Timed{}, nil
	}
	d := resp.Duration
	if d <= 0 {
		d = el
	}
	return Timed{Resp: resp, Duration: d}, nil
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// DelayProbe confirms a time-based flaw with the statistical rule the
// time-based checks share: mk(delay) must be slower than the baseline by at
// least 80% of delay twice, and the control mk(0) must not be slower than
// the baseline by half of delay. base is the slowest of the baseline
// requests. It returns the first delayed response (for evidence) and a note
// with the measured times.
func DelayProbe(ctx context.Context, p *check.Pass, mk func(time.Duration) *check.Request, delay, base time.Duration) (*check.Response, string, bool, error) {
	timingMu.Lock()
	defer timingMu.Unlock()
	limit := delay + max(3*delay, 5*time.Second)
	timed := func(d time.Duration) (Timed, error) {
		r := mk(d)
		r.Timeout = limit
		return SendTimed(ctx, p, r)
	}
	delayed := func(t Timed) bool {
		return (t.Resp != nil || t.TimedOut) && t.Duration-base >= delay*8/10
	}
	t1, err := timed(delay)
	if err != nil || !delayed(t1) {
		return nil, "", false, err
	}
	// Two rounds of control and confirmation: a control slowed by
	// something else gets one more chance.
	for range 2 {
		c, err := timed(0)
		if err != nil {
			return nil, "", false, err
		}
		if c.Resp == nil || c.Duration-base >= delay/2 {
			continue
		}
		t2, err := timed(delay)
		if err != nil {
			return nil, "", false, err
		}
		if !delayed(t2) {
			return nil, "", false, nil
		}
		resp := t1.Resp
		if resp == nil {
			resp = t2.Resp
		}
		if resp == nil {
			resp = c.Resp
		}
		note := fmt.Sprintf("response times: baseline %s, payload with %s delay %s and %s, control payload %s",
			round(base), delay, round(t1.Duration), round(t2.Duration), round(c.Duration))
		return resp, note, true, nil
	}
	return nil, "", false, nil
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// Baseline sends req n times and returns the slowest duration and the last
// response; ok is false when no request got an answer.
func Baseline(ctx context.Context, p *check.Pass, req *check.Request, n int) (time.Duration, *check.Response, bool, error) {
	var slow time.Duration
	var last *check.Response
	for range n {
		t, err := SendTimed(ctx, p, req.Clone())
		if err != nil {
			return 0, nil, false, err
		}
		if t.Resp == nil {
			return 0, nil, false, nil
		}
		slow = max(slow, t.Duration)
		last = t.Resp
	}
	return slow, last, last != nil, nil
}

// WaitHit polls cb for a hit on tok for up to wait.
func WaitHit(ctx context.Context, cb check.Callback, tok string, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		if len(cb.Hits(tok)) > 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}
