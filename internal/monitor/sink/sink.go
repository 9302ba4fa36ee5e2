// Package sink delivers monitor alerts: a webhook receiving one JSON
// finding per POST (or a Slack-compatible message), and syslog. Webhook
// delivery is asynchronous through a bounded queue with retries, so a slow
// receiver never holds up analysis; what could not be delivered is counted.
package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/syslog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// Webhook payload styles.
const (
	StyleJSON  = "json"  // the finding as escarp's JSON
	StyleSlack = "slack" // {"text": ..., "blocks": [...]}: Slack, Mattermost, Rocket.Chat incoming webhooks
)

// Webhook posts findings to a URL.
type Webhook struct {
	url    string
	style  string
	client *http.Client
	queue  chan escarp.Finding
	wg     sync.WaitGroup
	// Attempts per finding (default 4) and the first retry delay (doubling).
	attempts int
	backoff  time.Duration

	sent, failed, dropped atomic.Int64
}

// NewWebhook starts a webhook sink; Close flushes it.
func NewWebhook(url, style string, queue int) (*Webhook, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, escarp.Errorf(escarp.Invalid, "--webhook %q: want an http:// or https:// URL", url)
	}
	if style == "" {
		style = StyleJSON
	}
	if style != StyleJSON && style != StyleSlack {
		return nil, escarp.Errorf(escarp.Invalid, "webhook style %q: want json or slack", style)
	}
	if queue <= 0 {
		queue = 1024
	}
	w := &Webhook{url: url, style: style, queue: make(chan escarp.Finding, queue), attempts: 4, backoff: 200 * time.Millisecond,
		client: &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	w.wg.Go(w.run)
	return w, nil
}

// Send queues f; a full queue drops it (counted), never blocks.
func (w *Webhook) Send(_ context.Context, f *escarp.Finding) error {
	select {
	case w.queue <- *f:
		return nil
	default:
		w.dropped.Add(1)
		return fmt.Errorf("webhook: queue full, alert %s dropped", f.RuleID)
	}
}

func (w *Webhook) run() {
	for f := range w.queue {
		body, err := w.payload(&f)
		if err != nil {
			w.failed.Add(1)
			continue
		}
		if w.post(body) {
			w.sent.Add(1)
		} else {
			w.failed.Add(1)
		}
	}
}

func (w *Webhook) post(body []byte) bool {
	delay := w.backoff
	for i := range w.attempts {
		if i > 0 {
			time.Sleep(delay)
			delay *= 2
		}
		resp, err := w.client.Post(w.url, "application/json", bytes.NewReader(body))
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return true
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			continue
		default:
			return false // the receiver refused it: retrying will not help
		}
	}
	return false
}

func (w *Webhook) payload(f *escarp.Finding) ([]byte, error) {
	if w.style == StyleJSON {
		return json.Marshal(f)
	}
	return json.Marshal(Slack(f))
}

// Slack returns a Slack-compatible incoming-webhook message for f.
func Slack(f *escarp.Finding) map[string]any {
	text := fmt.Sprintf("*[%s] %s* (%s)\n%s", strings.ToUpper(f.Severity.String()), f.Title, f.RuleID, redact.String(f.Message))
	fields := []map[string]any{}
	for _, k := range []string{"principal", "client", "count", "distinct", "windowStart", "windowEnd"} {
		if v := f.Properties[k]; v != "" {
			fields = append(fields, map[string]any{"type": "mrkdwn", "text": "*" + k + "*\n" + redact.String(v)})
		}
	}
	blocks := []map[string]any{{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": text}}}
	if len(fields) > 0 {
		blocks = append(blocks, map[string]any{"type": "section", "fields": fields})
	}
	return map[string]any{"text": fmt.Sprintf("[%s] %s: %s", f.Severity, f.RuleID, redact.String(f.Message)), "blocks": blocks}
}

// Stats are the webhook's counters.
type Stats struct{ Sent, Failed, Dropped int64 }

// Stats returns the counters.
func (w *Webhook) Stats() Stats {
	return Stats{Sent: w.sent.Load(), Failed: w.failed.Load(), Dropped: w.dropped.Load()}
}

// Close delivers what is queued and stops.
func (w *Webhook) Close() error {
	close(w.queue)
	w.wg.Wait()
	if n := w.failed.Load() + w.dropped.Load(); n > 0 {
		return fmt.Errorf("webhook: %d alerts not delivered", n)
	}
	return nil
}

// Syslog writes one line per finding to a syslog daemon.
type Syslog struct {
	w *syslog.Writer
}

// NewSyslog dials network ("udp", "tcp", or "" for the local socket) at
// addr with tag escarp-monitor.
func NewSyslog(network, addr string) (*Syslog, error) {
	w, err := syslog.Dial(network, addr, syslog.LOG_WARNING|syslog.LOG_DAEMON, "escarp-monitor")
	if err != nil {
		return nil, escarp.Errorf(escarp.Unavailable, "syslog %s %s: %w", network, addr, err)
	}
	return &Syslog{w: w}, nil
}

// Send implements the monitor's Sink: the severity maps to the syslog
// priority, the line holds the rule, the fingerprint and the message.
func (s *Syslog) Send(_ context.Context, f *escarp.Finding) error {
	line := fmt.Sprintf("%s severity=%s fingerprint=%s principal=%q client=%q %s", f.RuleID, f.Severity, f.Fingerprint,
		f.Properties["principal"], f.Properties["client"], redact.String(f.Message))
	var err error
	switch f.Severity {
	case escarp.SeverityCritical:
		err = s.w.Crit(line)
	case escarp.SeverityHigh:
		err = s.w.Err(line)
	case escarp.SeverityMedium:
		err = s.w.Warning(line)
	case escarp.SeverityLow:
		err = s.w.Notice(line)
	default:
		err = s.w.Info(line)
	}
	return err
}

// Close closes the connection.
func (s *Syslog) Close() error { return s.w.Close() }
