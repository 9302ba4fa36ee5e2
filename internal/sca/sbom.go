package sca

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/escarp/escarp"
)

// WriteSBOM writes r as a CycloneDX 1.6 JSON document: every package found,
// with its package URL and the files that name it, and every vulnerability
// found, affecting those components, with its rating, fix, references and,
// for Go, govulncheck's reachability verdict as the impact analysis.
func WriteSBOM(w io.Writer, r *Result) error {
	if r == nil || r.Run == nil {
		return &escarp.Error{Op: "sca.WriteSBOM", Kind: escarp.Invalid, Message: "no scan result"}
	}
	bom := cdx.NewBOM()
	ts := r.Run.FinishedAt
	if ts.IsZero() {
		ts = time.Now().UTC()
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: ts.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "escarp",
		}}},
		Component: &cdx.Component{BOMRef: "root", Type: cdx.ComponentTypeApplication, Name: rootName(r.Run.Target)},
	}
	comps := make([]cdx.Component, 0, len(r.Components))
	refs := map[escarp.Package]string{}
	usedRefs := map[string]bool{}
	var deps []string
	for _, c := range r.Components {
		ref := c.PURL
		for n := 2; usedRefs[ref]; n++ {
			ref = fmt.Sprintf("%s#%d", c.PURL, n)
		}
		usedRefs[ref] = true
		refs[c.Package] = ref
		deps = append(deps, ref)
		props := []cdx.Property{{Name: "escarp:ecosystem", Value: c.Package.Ecosystem}}
		for _, f := range c.Files {
			props = append(props, cdx.Property{Name: "escarp:file", Value: f})
		}
		comps = append(comps, cdx.Component{
			BOMRef: ref, Type: cdx.ComponentTypeLibrary,
			Name: c.Package.Name, Version: c.Package.Version, PackageURL: c.PURL,
			Properties: &props,
		})
	}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: "root", Dependencies: &deps}}

	type vkey struct {
		id  string
		pkg escarp.Package
	}
	seen := map[vkey]bool{}
	var vulns []cdx.Vulnerability
	for _, f := range r.Run.Findings {
		if f.Kind != escarp.KindSCA || f.Package == nil {
			continue
		}
		pkg := escarp.Package{Ecosystem: f.Package.Ecosystem, Name: f.Package.Name, Version: f.Package.Version}
		k := vkey{f.RuleID, pkg}
		if seen[k] {
			continue
		}
		seen[k] = true
		ref, ok := refs[pkg]
		if !ok {
			continue // every finding's package is a component
		}
		v := cdx.Vulnerability{
			BOMRef:      f.RuleID + "/" + ref,
			ID:          f.RuleID,
			Source:      &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + f.RuleID},
			Description: f.Title,
			Detail:      f.Message,
			Affects:     &[]cdx.Affects{{Ref: ref}},
		}
		sev := f.Severity
		if s, err := escarp.ParseSeverity(f.Properties["advisorySeverity"]); err == nil {
			sev = s
		}
		v.Ratings = &[]cdx.VulnerabilityRating{{Source: &cdx.Source{Name: "OSV"}, Severity: cdx.Severity(sev.String()), Method: cdx.ScoringMethodOther}}
		if f.Package.FixedIn != "" {
			v.Recommendation = fmt.Sprintf("Upgrade %s to %s or later.", pkg.Name, displayVersion(pkg.Ecosystem, f.Package.FixedIn))
		}
		var cwes []int
		for _, c := range f.CWE {
			if n, err := strconv.Atoi(strings.TrimPrefix(c, "CWE-")); err == nil {
				cwes = append(cwes, n)
			}
		}
		if len(cwes) > 0 {
			v.CWEs = &cwes
		}
		var vrefs []cdx.VulnerabilityReference
		if a := f.Properties["aliases"]; a != "" {
			for _, id := range strings.Split(a, ",") {
				vrefs = append(vrefs, cdx.VulnerabilityReference{ID: id, Source: &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}})
			}
		}
		if len(vrefs) > 0 {
			v.References = &vrefs
		}
		switch f.Properties["reachability"] {
		case reachCalled:
			v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASExploitable, Detail: f.Message}
		case reachImportedNotCalled:
			v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotReachable, Detail: f.Message}
		case reachNotImported:
			v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotPresent, Detail: f.Message}
		}
		props := []cdx.Property{}
		if f.Location.File != "" {
			props = append(props, cdx.Property{Name: "escarp:location", Value: fmt.Sprintf("%s:%d", f.Location.File, f.Location.Line)})
		}
		if reach := f.Properties["reachability"]; reach != "" {
			props = append(props, cdx.Property{Name: "escarp:reachability", Value: reach})
		}
		if len(props) > 0 {
			v.Properties = &props
		}
		vulns = append(vulns, v)
	}
	sort.SliceStable(vulns, func(i, j int) bool { return vulns[i].BOMRef < vulns[j].BOMRef })
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("write CycloneDX SBOM: %w", err)
	}
	return nil
}

// rootName names the scanned project in the SBOM: the last element of the
// target path.
func rootName(target string) string {
	t := strings.TrimRight(strings.ReplaceAll(target, "\\", "/"), "/")
	if i := strings.LastIndex(t, "/"); i >= 0 {
		t = t[i+1:]
	}
	if t == "" || t == "." {
		return "project"
	}
	return t
}
