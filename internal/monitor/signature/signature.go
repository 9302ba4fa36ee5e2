// Package signature is the monitor's optional, sampled signature stage:
// Coraza running the OWASP Core Rule Set in detection-only mode on one
// request in N. It is off by default (CRS costs far more per request than
// the detectors) and lives in its own package so that only binaries that
// offer it link Coraza.
package signature

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// RuleID is the rule of signature alerts.
const RuleID = "ESC-MON-SIG-001"

// Rule describes the stage's rule.
func Rule() escarp.RuleInfo {
	return escarp.RuleInfo{ID: RuleID, Title: "Attack signature (OWASP CRS)", Severity: escarp.SeverityHigh, OWASP: "API8:2023",
		CWE: []string{"CWE-89", "CWE-79", "CWE-78", "CWE-22"},
		Description: "A sampled request matched attack rules of the OWASP Core Rule Set (Coraza, detection only): SQL injection (942xxx), " +
			"cross-site scripting (941xxx), remote command execution (932xxx), local or remote file inclusion (930xxx, 931xxx), " +
			"PHP or Java injection (933xxx, 944xxx). Off by default; --signatures N inspects one request in N. One alert per client " +
			"per CRS rule per hour.",
		Remediation: "Check what the client sent and whether the API is vulnerable to it (escarp scan); validate input and use " +
			"parameterised queries; block the client if it keeps probing.",
		Tags: []string{"security", "monitor", "API8:2023"}}
}

// Stage inspects sampled requests.
type Stage struct {
	waf   coraza.WAF
	every uint64
	n     atomic.Uint64

	mu   sync.Mutex
	cool map[string]time.Time
}

// New loads the CRS; every is the sampling (1: every request).
func New(every int) (*Stage, error) {
	if every < 1 {
		return nil, escarp.Errorf(escarp.Invalid, "--signatures %d: want 1 or more (one request in N)", every)
	}
	waf, err := coraza.NewWAF(coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(`Include @coraza.conf-recommended
Include @crs-setup.conf.example
SecRuleEngine DetectionOnly
SecRequestBodyAccess On
SecResponseBodyAccess Off
Include @owasp_crs/*.conf`))
	if err != nil {
		return nil, fmt.Errorf("signature: loading the CRS: %w", err)
	}
	return &Stage{waf: waf, every: uint64(every), cool: map[string]time.Time{}}, nil
}

// attack reports whether a CRS rule id is an attack rule rather than
// protocol enforcement or anomaly scoring.
func attack(id int) bool { return id >= 930000 && id < 945000 }

// Inspect runs the CRS on x when it is sampled and returns an alert for
// a match outside its cool-down, else nil. t is the event's time.
func (s *Stage) Inspect(x *escarp.Exchange, t time.Time) *detect.Alert {
	if (s.n.Add(1)-1)%s.every != 0 {
		return nil
	}
	u, err := url.Parse(x.URL)
	if err != nil {
		return nil
	}
	tx := s.waf.NewTransaction()
	defer func() {
		tx.ProcessLogging()
		_ = tx.Close()
	}()
	tx.ProcessConnection(x.ClientIP, 0, "", 0)
	tx.ProcessURI(u.RequestURI(), x.Method, "HTTP/1.1")
	if u.Host != "" {
		tx.SetServerName(strings.Split(u.Host, ":")[0])
		tx.AddRequestHeader("Host", u.Host)
	}
	for k, vs := range x.RequestHeader {
		for _, v := range vs {
			tx.AddRequestHeader(k, v)
		}
	}
	tx.ProcessRequestHeaders()
	if x.RequestBody != "" {
		_, _, _ = tx.WriteRequestBody([]byte(x.RequestBody))
	}
	_, _ = tx.ProcessRequestBody()
	var ids []int
	var msgs []string
	for _, m := range tx.MatchedRules() {
		id := m.Rule().ID()
		// Paranoia-level markers (9xx011-9xx018) match everything and say
		// nothing: only rules with a message detect.
		if !attack(id) || m.Message() == "" {
			continue
		}
		ids = append(ids, id)
		if len(msgs) < 3 {
			msgs = append(msgs, fmt.Sprintf("%d %s", id, m.Message()))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Ints(ids)
	client := x.ClientIP
	if h, _, err := net.SplitHostPort(client); err == nil {
		client = h
	}
	key := fmt.Sprintf("%s %d", client, ids[0])
	s.mu.Lock()
	if until, ok := s.cool[key]; ok && t.Before(until) {
		s.mu.Unlock()
		return nil
	}
	if len(s.cool) > 100_000 {
		clear(s.cool)
	}
	s.cool[key] = t.Add(time.Hour)
	s.mu.Unlock()
	path := u.Path
	return &detect.Alert{Rule: Rule(), Keyspace: detect.KeyClient, Key: key, ClientIP: client,
		Operation: x.Method + " " + path, First: t, Last: t, Count: 1, Distinct: len(ids),
		Samples: []string{x.Method + " " + u.RequestURI()},
		Message: fmt.Sprintf("%s from %s matched OWASP CRS rules %v: %s", x.Method+" "+path, client, ids, strings.Join(msgs, "; "))}
}
