package sca

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/google/osv-scalibr/semantic"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// advisorySeverity is the severity an advisory states: its
// database_specific.severity label (GitHub's CRITICAL/HIGH/MODERATE/LOW),
// else the highest CVSS v3 or v4 base score it carries, else high, since an
// advisory without a rating (every Go vulndb record) is still a known
// vulnerability.
func advisorySeverity(v *osvschema.Vulnerability) escarp.Severity {
	if ds := v.GetDatabaseSpecific(); ds != nil {
		if s, ok := severityLabel(ds.GetFields()["severity"].GetStringValue()); ok {
			return s
		}
	}
	best, found := 0.0, false
	scores := v.GetSeverity()
	for _, a := range v.GetAffected() {
		scores = append(scores, a.GetSeverity()...)
	}
	for _, s := range scores {
		if score, ok := cvssScore(s.GetScore()); ok {
			best, found = max(best, score), true
		} else if sev, ok := severityLabel(s.GetScore()); ok && s.GetType() == osvschema.Severity_UNSPECIFIED {
			return sev
		}
	}
	if !found {
		return escarp.SeverityHigh
	}
	return scoreSeverity(best)
}

// severityLabel reads a textual severity rating.
func severityLabel(s string) (escarp.Severity, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CRITICAL":
		return escarp.SeverityCritical, true
	case "HIGH", "IMPORTANT":
		return escarp.SeverityHigh, true
	case "MODERATE", "MEDIUM":
		return escarp.SeverityMedium, true
	case "LOW", "NEGLIGIBLE":
		return escarp.SeverityLow, true
	}
	return 0, false
}

// cvssScore computes the base score of a CVSS 3.0, 3.1 or 4.0 vector.
func cvssScore(vector string) (float64, bool) {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		if c, err := gocvss31.ParseVector(vector); err == nil {
			return c.BaseScore(), true
		}
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		if c, err := gocvss30.ParseVector(vector); err == nil {
			return c.BaseScore(), true
		}
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		if c, err := gocvss40.ParseVector(vector); err == nil {
			return c.Score(), true
		}
	}
	return 0, false
}

// scoreSeverity maps a CVSS score to the qualitative rating of CVSS v3.
func scoreSeverity(score float64) escarp.Severity {
	switch {
	case score >= 9.0:
		return escarp.SeverityCritical
	case score >= 7.0:
		return escarp.SeverityHigh
	case score >= 4.0:
		return escarp.SeverityMedium
	case score > 0:
		return escarp.SeverityLow
	}
	return escarp.SeverityInfo
}

// fixedVersion is the smallest version, above version, at which one of vulns'
// ranges for the package ends; "" when no range has a fix above it.
func fixedVersion(vulns []*osvschema.Vulnerability, eco, name, version string) string {
	cur, err := semantic.Parse(version, eco)
	if err != nil {
		return ""
	}
	var best string
	var bestV semantic.Version
	for _, v := range vulns {
		for _, a := range v.GetAffected() {
			aeco, _, _ := strings.Cut(a.GetPackage().GetEcosystem(), ":")
			if aeco != eco || a.GetPackage().GetName() != name {
				continue
			}
			for _, r := range a.GetRanges() {
				if r.GetType() == osvschema.Range_GIT {
					continue
				}
				for _, e := range r.GetEvents() {
					fx := e.GetFixed()
					if fx == "" {
						continue
					}
					if c, err := cur.CompareStr(fx); err != nil || c >= 0 {
						continue
					}
					fv, err := semantic.Parse(fx, eco)
					if err != nil {
						continue
					}
					if best == "" {
						best, bestV = fx, fv
						continue
					}
					if c, err := bestV.CompareStr(fx); err == nil && c > 0 {
						best, bestV = fx, fv
					}
				}
			}
		}
	}
	return best
}
