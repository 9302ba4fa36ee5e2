package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
)

var likelihoodWords = []string{"unlikely", "unlikely", "likely", "very-likely", "frequent"}
var impactWords = []string{"low", "low", "medium", "high", "very-high"}

func clamp4(n int) int { return min(max(n, 1), 4) }

// integrityOf and availabilityOf rate an asset for Threagile from its
// confidentiality: escarp does not see CIA ratings, so it derives them.
func integrityOf(conf string) string {
	switch conf {
	case "strictly-confidential":
		return "critical"
	case "confidential", "restricted":
		return "important"
	}
	return "operational"
}

func strideWord(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }

var cweNumber = regexp.MustCompile(`\d+`)

// modelOf returns the threat model of r or an input error.
func modelOf(r *escarp.Report) (*escarp.ThreatModel, error) {
	if r == nil || r.ThreatModel == nil {
		return nil, &escarp.Error{Op: "report", Kind: escarp.Invalid, Message: "the report carries no threat model"}
	}
	return r.ThreatModel, nil
}

// writeThreagile writes the model as a Threagile model (YAML): data
// assets, technical assets with their communication links, trust
// boundaries, escarp's threats as individual risk categories, and
// risk tracking from the tracking entries.
func writeThreagile(w io.Writer, r *escarp.Report) error {
	m, err := modelOf(r)
	if err != nil {
		return err
	}
	date := r.FinishedAt.UTC().Format("2006-01-02")
	if r.FinishedAt.IsZero() {
		date = ""
	}
	names := map[string]string{}
	for _, a := range m.Assets {
		names[a.ID] = a.Name
	}
	data := map[string]any{}
	for _, d := range m.DataAssets {
		data[d.Name] = map[string]any{"id": d.ID, "description": d.Name + " (" + strings.Join(d.Sources, "; ") + ")",
			"usage": "business", "quantity": "many", "confidentiality": d.Confidentiality,
			"integrity": integrityOf(d.Confidentiality), "availability": "operational", "tags": []string{}}
	}
	tech := map[string]any{}
	for _, a := range m.Assets {
		links := map[string]any{}
		for _, f := range m.Flows {
			if f.Source != a.ID {
				continue
			}
			title := cmp.Or(f.Operation, f.ID)
			if f.Operation != "" && f.Source != "" && strings.HasPrefix(f.Source, "service-") {
				title = "calls " + names[f.Target] + " for " + f.Operation
			}
			if _, dup := links[title]; dup {
				title += " (" + f.ID + ")"
			}
			links[title] = map[string]any{"target": f.Target, "description": cmp.Or(f.Operation, f.ID),
				"protocol": threagileProtocol(f.Protocol), "authentication": f.Authentication, "authorization": f.Authorization,
				"vpn": false, "ip_filtered": false, "readonly": f.ReadOnly, "usage": "business",
				"data_assets_sent": nonNil(f.DataSent), "data_assets_received": nonNil(f.DataReceived)}
		}
		typ, tech1, size := a.Type, cmp.Or(a.Technology, "unknown-technology"), "service"
		switch a.Kind {
		case "client":
			tech1, size = "client-system", "system"
		case "datastore":
			tech1, size = "database", "component"
		case "identity-provider":
			tech1, size = "identity-provider", "system"
		case "third-party", "callback":
			tech1, size = "web-service-rest", "system"
		}
		stored := []string{}
		if a.Type == escarp.AssetDatastore {
			stored = nonNil(a.DataProcessed)
		}
		tech[a.Name] = map[string]any{"id": a.ID, "description": cmp.Or(a.Description, a.Name), "type": typ, "usage": "business",
			"used_as_client_by_human": a.Kind == "client", "out_of_scope": a.Kind != "service" && a.Kind != "datastore",
			"size": size, "technology": tech1, "internet": a.Internet, "machine": "virtual", "encryption": "none",
			"owner": "", "confidentiality": a.Confidentiality, "integrity": integrityOf(a.Confidentiality), "availability": "operational",
			"multi_tenant": false, "redundant": false, "custom_developed_parts": a.Kind == "service",
			"data_assets_processed": nonNil(a.DataProcessed), "data_assets_stored": stored,
			"data_formats_accepted": []string{"json"}, "communication_links": links}
	}
	bounds := map[string]any{}
	for _, b := range m.Boundaries {
		typ := "network-cloud-provider"
		if b.Kind == "internet" || b.Kind == "third-party" {
			typ = "network-dedicated-hoster"
		}
		bounds[b.Name] = map[string]any{"id": b.ID, "description": b.Name, "type": typ,
			"technical_assets_inside": nonNil(b.Assets), "trust_boundaries_nested": []string{}, "tags": []string{}}
	}
	cats := map[string]any{}
	tracking := map[string]any{}
	for _, t := range m.Threats {
		cat, ok := cats[t.Title].(map[string]any)
		if !ok {
			cwe := 0
			if len(t.CWE) > 0 {
				cwe, _ = strconv.Atoi(cweNumber.FindString(t.CWE[0]))
			}
			cat = map[string]any{"id": strings.ToLower(t.RuleID), "description": t.Title + " (" + t.OWASP + ")",
				"impact": "See escarp explain " + t.RuleID, "asvs": "", "cheat_sheet": "https://cheatsheetseries.owasp.org/",
				"action": t.Title, "mitigation": mitigationText(t), "check": "escarp threat", "function": "development",
				"stride": strideWord(t.STRIDE), "detection_logic": "escarp derives it from the API description, the inventory and findings",
				"risk_assessment": "likelihood × impact on Threagile's scale", "false_positives": "a control escarp cannot see (track it in .escarp/suppressions.yaml)",
				"model_failure_possible_reason": false, "cwe": cwe, "risks_identified": map[string]any{}}
			cats[t.Title] = cat
		}
		asset := serviceOf(m, t)
		cat["risks_identified"].(map[string]any)[t.Title+" at "+t.Element] = map[string]any{
			"severity": bandWord(t.Band), "exploitation_likelihood": likelihoodWords[clamp4(t.CurrentLikelihood)],
			"exploitation_impact": impactWords[clamp4(t.Impact)], "data_breach_probability": breach(t.Impact),
			"data_breach_technical_assets": []string{asset}, "most_relevant_technical_asset": asset}
		if t.Tracking != nil {
			tracking[strings.ToLower(t.RuleID)+"@"+asset] = map[string]any{"status": threagileStatus(t.Tracking.State),
				"justification": t.Tracking.Reason, "ticket": t.Tracking.Ticket, "date": date, "checked_by": t.Tracking.Owner}
		}
	}
	doc := map[string]any{
		"threagile_version": "1.0.0", "title": m.Title, "date": date,
		"author":               map[string]any{"name": "escarp (derived model)"},
		"business_criticality": "important",
		"business_overview":    map[string]any{"description": "Derived by escarp from the API description, the inventory and findings.", "images": []any{}},
		"technical_overview":   map[string]any{"description": strings.Join(m.Assumptions, " "), "images": []any{}},
		"tags_available":       []string{}, "data_assets": data, "technical_assets": tech, "trust_boundaries": bounds,
		"shared_runtimes": map[string]any{}, "individual_risk_categories": cats, "risk_tracking": tracking,
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

func bandWord(b string) string {
	switch b {
	case "low", "medium", "elevated", "high", "critical":
		return b
	}
	return "low"
}

func breach(impact int) string {
	switch {
	case impact >= 4:
		return "probable"
	case impact == 3:
		return "possible"
	}
	return "improbable"
}

func threagileStatus(state string) string {
	switch state {
	case "in-progress", "mitigated", "false-positive", "accepted":
		return state
	}
	return "unchecked"
}

func threagileProtocol(p string) string {
	switch p {
	case "http", "https":
		return p
	case "sql":
		return "sql-access-protocol"
	}
	return "unknown-protocol"
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// serviceOf names the technical asset a threat is on: the flow's target
// service for operation threats, else the element itself.
func serviceOf(m *escarp.ThreatModel, t *escarp.Threat) string {
	for _, s := range m.Surfaces {
		if s.Method == t.Method && s.Path == t.Path && s.Service != "" {
			return s.Service
		}
	}
	for _, a := range m.Assets {
		if a.ID == t.Element {
			return a.ID
		}
	}
	for _, f := range m.Flows {
		if f.ID == t.Element {
			return f.Target
		}
	}
	for _, a := range m.Assets {
		if a.Kind == "service" {
			return a.ID
		}
	}
	return t.Element
}

func mitigationText(t *escarp.Threat) string {
	var parts []string
	for _, mi := range t.Mitigations {
		s := mi.Control + ": " + mi.Status
		if mi.Evidence != "" {
			s += " (" + mi.Evidence + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// uuidOf derives a stable UUID-shaped id from a name.
func uuidOf(name string) string {
	h := sha256.Sum256([]byte(name))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-5" + x[13:16] + "-a" + x[17:20] + "-" + x[20:32]
}

// tdSeverity maps a band to Threat Dragon's severities.
func tdSeverity(band string) string {
	switch band {
	case "critical":
		return "Critical"
	case "high":
		return "High"
	case "elevated":
		return "Medium"
	}
	return "Low"
}

func tdStatus(t *escarp.Threat) string {
	if t.Tracking != nil {
		switch t.Tracking.State {
		case "accepted":
			return "Accepted"
		case "mitigated":
			return "Mitigated"
		case "false-positive":
			return "NotApplicable"
		}
	}
	if t.Status == "mitigated" {
		return "Mitigated"
	}
	return "Open"
}

// writeThreatDragon writes the model as an OWASP Threat Dragon v2 model:
// one STRIDE diagram with actors, processes and stores laid out in
// columns, flows between them, trust boundary boxes, and the threats on
// the process they threaten.
func writeThreatDragon(w io.Writer, r *escarp.Report) error {
	m, err := modelOf(r)
	if err != nil {
		return err
	}
	lay := layoutModel(m)
	var cells []any
	z := 1
	threatsOn := map[string][]*escarp.Threat{}
	for _, t := range m.Threats {
		a := serviceOf(m, t)
		threatsOn[a] = append(threatsOn[a], t)
	}
	num := 0
	for _, b := range lay.boxes {
		cells = append(cells, map[string]any{"id": uuidOf("boundary " + b.id), "shape": "trust-boundary-box", "zIndex": z,
			"position": map[string]any{"x": b.x, "y": b.y}, "size": map[string]any{"width": b.w, "height": b.h},
			"attrs": map[string]any{"label": map[string]any{"text": b.name}},
			"data":  map[string]any{"name": b.name, "type": "tm.BoundaryBox", "isTrustBoundary": true, "hasOpenThreats": false}})
		z++
	}
	for _, n := range lay.nodes {
		a := n.asset
		shape, typ := "process", "tm.Process"
		switch a.Type {
		case escarp.AssetExternal:
			shape, typ = "actor", "tm.Actor"
		case escarp.AssetDatastore:
			shape, typ = "store", "tm.Store"
		}
		var threats []any
		open := false
		for _, t := range threatsOn[a.ID] {
			num++
			st := tdStatus(t)
			open = open || st == "Open"
			threats = append(threats, map[string]any{"threatId": uuidOf(t.ID), "title": t.Title + " at " + t.Element, "type": t.STRIDE,
				"status": st, "severity": tdSeverity(t.Band), "description": t.RuleID + " (" + t.OWASP + "): " + t.Why, "mitigation": mitigationText(t),
				"modelType": "STRIDE", "number": num, "score": strconv.Itoa(t.Current)})
		}
		data := map[string]any{"name": a.Name, "description": a.Description, "type": typ, "outOfScope": false,
			"hasOpenThreats": open, "threats": nonNilAny(threats)}
		if a.Type == escarp.AssetProcess {
			data["isWebApplication"] = true
			data["privilegeLevel"] = ""
		}
		if a.Type == escarp.AssetDatastore {
			data["storesCredentials"] = slices.Contains(a.DataProcessed, "data-credentials")
			data["isALog"], data["isEncrypted"], data["isSigned"] = false, false, false
		}
		cells = append(cells, map[string]any{"id": uuidOf("asset " + a.ID), "shape": shape, "zIndex": z,
			"position": map[string]any{"x": n.x, "y": n.y}, "size": map[string]any{"width": n.w, "height": n.h},
			"attrs": map[string]any{"text": map[string]any{"text": a.Name}}, "data": data})
		z++
	}
	for _, e := range lay.edges {
		cells = append(cells, map[string]any{"id": uuidOf("flow " + e.from + " " + e.to), "shape": "flow", "zIndex": z,
			"connector": "smooth", "source": map[string]any{"cell": uuidOf("asset " + e.from)}, "target": map[string]any{"cell": uuidOf("asset " + e.to)},
			"attrs":  map[string]any{"line": map[string]any{"stroke": "#333333", "strokeWidth": 1, "targetMarker": map[string]any{"name": "block"}, "sourceMarker": map[string]any{"name": ""}}},
			"labels": []any{e.label},
			"data": map[string]any{"name": e.label, "type": "tm.Flow", "protocol": e.protocol, "isEncrypted": e.protocol == "https",
				"isPublicNetwork": e.public, "isBidirectional": true, "outOfScope": false, "hasOpenThreats": false, "threats": []any{}}})
		z++
	}
	doc := map[string]any{
		"version": "2.2.0",
		"summary": map[string]any{"title": m.Title, "owner": "escarp", "description": "Derived by escarp from the API description, the inventory and findings.", "id": 0},
		"detail": map[string]any{"contributors": []any{map[string]any{"name": "escarp"}}, "reviewer": "", "diagramTop": 1, "threatTop": num,
			"diagrams": []any{map[string]any{"id": 0, "title": m.Title + " data flow", "diagramType": "STRIDE", "version": "2.2.0",
				"thumbnail": "./public/content/images/thumbnail.stride.jpg", "description": "Derived by escarp", "cells": cells}}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func nonNilAny(xs []any) []any {
	if xs == nil {
		return []any{}
	}
	return xs
}

// writeOTM writes the model as an Open Threat Model 0.2.0 document: trust
// zones from the boundaries, components from the assets, data assets,
// data flows, threats with their likelihood and impact (0–100) and
// mitigations with the risk reduction the evidence shows.
func writeOTM(w io.Writer, r *escarp.Report) error {
	m, err := modelOf(r)
	if err != nil {
		return err
	}
	zoneOf := map[string]string{}
	var zones, comps, assets, flows, threats, mitigations []any
	for _, b := range m.Boundaries {
		trust := 50
		switch b.Kind {
		case "internet", "third-party":
			trust = 10
		case "internal":
			trust = 80
		}
		zones = append(zones, map[string]any{"id": b.ID, "name": b.Name, "type": b.Kind, "risk": map[string]any{"trustRating": trust}})
		for _, a := range b.Assets {
			zoneOf[a] = b.ID
		}
	}
	byAsset := map[string][]any{}
	seenMit := map[string]bool{}
	for _, t := range m.Threats {
		threats = append(threats, map[string]any{"id": t.ID, "name": t.Title, "description": t.Why,
			"categories": []string{t.STRIDE, t.OWASP}, "cwes": nonNil(t.CWE),
			"risk": map[string]any{"likelihood": t.CurrentLikelihood * 25, "likelihoodComment": likelihoodWords[clamp4(t.CurrentLikelihood)],
				"impact": t.Impact * 25, "impactComment": impactWords[clamp4(t.Impact)]},
			"attributes": map[string]any{"ruleId": t.RuleID, "element": t.Element, "inherent": t.Inherent, "current": t.Current, "projected": t.Projected, "status": t.Status}})
		var mits []any
		for _, mi := range t.Mitigations {
			id := t.RuleID + ":" + mi.Control
			if !seenMit[id] {
				seenMit[id] = true
				mitigations = append(mitigations, map[string]any{"id": id, "name": mi.Control, "riskReduction": max(0, t.Inherent-t.Current)})
			}
			state := "REQUIRED"
			switch mi.Status {
			case "verified":
				state = "IMPLEMENTED"
			case "planned":
				state = "RECOMMENDED"
			}
			mits = append(mits, map[string]any{"mitigation": id, "state": state})
		}
		state := "EXPOSED"
		if t.Status == "mitigated" {
			state = "MITIGATED"
		} else if t.Tracking != nil {
			state = strings.ToUpper(strings.ReplaceAll(t.Tracking.State, "-", "_"))
		}
		a := serviceOf(m, t)
		byAsset[a] = append(byAsset[a], map[string]any{"threat": t.ID, "state": state, "mitigations": nonNilAny(mits)})
	}
	for _, a := range m.Assets {
		zone := cmp.Or(zoneOf[a.ID], a.Boundary)
		if zone == "" && len(m.Boundaries) > 0 {
			zone = m.Boundaries[0].ID
		}
		comps = append(comps, map[string]any{"id": a.ID, "name": a.Name, "type": a.Kind, "description": a.Description,
			"parent": map[string]any{"trustZone": zone}, "assets": map[string]any{"processed": nonNil(a.DataProcessed), "stored": []string{}},
			"threats": nonNilAny(byAsset[a.ID]), "tags": []string{a.Type}})
	}
	for _, d := range m.DataAssets {
		c := float64(slices.Index(escarp.ConfidentialityLevels, d.Confidentiality)) * 25
		assets = append(assets, map[string]any{"id": d.ID, "name": d.Name, "description": strings.Join(d.Sources, "; "),
			"risk": map[string]any{"confidentiality": c, "integrity": 50, "availability": 50}})
	}
	for _, f := range m.Flows {
		flows = append(flows, map[string]any{"id": f.ID, "name": cmp.Or(f.Operation, f.ID), "source": f.Source, "destination": f.Target,
			"bidirectional": true, "assets": nonNil(slices.Concat(f.DataSent, f.DataReceived)),
			"tags": []string{f.Protocol, "authentication:" + f.Authentication}})
	}
	doc := map[string]any{"otmVersion": "0.2.0",
		"project":    map[string]any{"name": m.Title, "id": slugID(m.Title), "description": "Derived by escarp from the API description, the inventory and findings."},
		"trustZones": nonNilAny(zones), "components": nonNilAny(comps), "assets": nonNilAny(assets),
		"dataflows": nonNilAny(flows), "threats": nonNilAny(threats), "mitigations": nonNilAny(mitigations)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

var reNonID = regexp.MustCompile(`[^a-z0-9]+`)

func slugID(s string) string {
	return cmp.Or(strings.Trim(reNonID.ReplaceAllString(strings.ToLower(s), "-"), "-"), "api")
}

// writeMermaid writes the data-flow diagram as a Mermaid flowchart in a
// Markdown code fence: trust boundaries as subgraphs, one edge per client
// and service pair with the number of operations.
func writeMermaid(w io.Writer, r *escarp.Report) error {
	m, err := modelOf(r)
	if err != nil {
		return err
	}
	id := func(s string) string { return "n_" + strings.ReplaceAll(slugID(s), "-", "_") }
	label := func(s string) string { return strings.NewReplacer(`"`, "'", "\n", " ").Replace(s) }
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart LR\n")
	in := map[string]bool{}
	for _, tb := range m.Boundaries {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", id(tb.ID), label(tb.Name))
		for _, a := range tb.Assets {
			in[a] = true
			b.WriteString("    " + mermaidNode(m, a, id, label) + "\n")
		}
		b.WriteString("  end\n")
	}
	for _, a := range m.Assets {
		if !in[a.ID] {
			b.WriteString("  " + mermaidNode(m, a.ID, id, label) + "\n")
		}
	}
	for _, e := range layoutModel(m).edges {
		fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", id(e.from), label(e.label), id(e.to))
	}
	b.WriteString("```\n")
	_, err = io.WriteString(w, b.String())
	return err
}

func mermaidNode(m *escarp.ThreatModel, assetID string, id, label func(string) string) string {
	for _, a := range m.Assets {
		if a.ID != assetID {
			continue
		}
		switch a.Type {
		case escarp.AssetExternal:
			return fmt.Sprintf("%s[/\"%s\"/]", id(a.ID), label(a.Name))
		case escarp.AssetDatastore:
			return fmt.Sprintf("%s[(\"%s\")]", id(a.ID), label(a.Name))
		}
		return fmt.Sprintf("%s((\"%s\"))", id(a.ID), label(a.Name))
	}
	return id(assetID)
}
