package monitor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/redact"
)

// Finding turns an alert into a finding of kind anomaly. The evidence
// names the principal, the client, the operation, the counts and the
// window, with up to three redacted sample requests.
func Finding(a *detect.Alert) escarp.Finding {
	method, path, _ := strings.Cut(a.Operation, " ")
	conf := escarp.ConfidenceHigh
	if a.Approximate {
		conf = escarp.ConfidenceMedium
	}
	props := map[string]string{
		"keyspace":    a.Keyspace,
		"key":         redact.String(a.Key),
		"count":       strconv.Itoa(a.Count),
		"windowStart": a.First.UTC().Format(time.RFC3339),
		"windowEnd":   a.Last.UTC().Format(time.RFC3339),
	}
	if a.Principal != "" {
		props["principal"] = a.Principal
	}
	if a.ClientIP != "" {
		props["client"] = a.ClientIP
	}
	if a.Distinct > 0 {
		props["distinct"] = strconv.Itoa(a.Distinct)
	}
	if a.Expected > 0 {
		props["value"] = strconv.FormatFloat(a.Value, 'f', 0, 64)
		props["threshold"] = strconv.FormatFloat(a.Expected, 'f', 1, 64)
	}
	for i, s := range a.Samples {
		props["sample"+strconv.Itoa(i+1)] = redact.String(s)
	}
	note := fmt.Sprintf("%d requests from %s to %s between %s and %s", a.Count, who(a), a.Operation,
		a.First.UTC().Format(time.RFC3339), a.Last.UTC().Format(time.RFC3339))
	if len(a.Samples) > 0 {
		note += "; e.g. " + redact.String(a.Samples[0])
	}
	f := escarp.Finding{RuleID: a.Rule.ID, Title: a.Rule.Title, Kind: escarp.KindAnomaly, Severity: a.Rule.Severity,
		Confidence: conf, OWASP: a.Rule.OWASP, CWE: a.Rule.CWE, Message: redact.String(a.Message),
		Location:    escarp.Location{Method: method, Path: path},
		Evidence:    &escarp.Evidence{Note: note},
		Remediation: a.Rule.Remediation, Properties: props}
	sum := sha256.Sum256([]byte(strings.Join([]string{"v1", string(f.Kind), f.RuleID, method, path, a.Keyspace, a.Key}, "\x00")))
	f.Fingerprint = hex.EncodeToString(sum[:16])
	return f
}

func who(a *detect.Alert) string {
	switch {
	case a.Principal != "" && a.ClientIP != "":
		return a.Principal + " at " + a.ClientIP
	case a.Principal != "":
		return a.Principal
	case a.ClientIP != "":
		return a.ClientIP
	}
	return a.Keyspace + " " + a.Key
}
