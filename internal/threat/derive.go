package threat

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Input is everything a threat model is derived from.
type Input struct {
	// Title names the model; empty takes the first API's title.
	Title string
	// APIs are the descriptions (one service each).
	APIs []*escarp.API
	// Endpoints are the inventory's, when a store was read: exposure,
	// shadow and zombie state, observed principals and data classes, and
	// the auth middleware code routes declare.
	Endpoints []*escarp.Endpoint
	// Runs are the results of other engines (audit, scan, code): their
	// findings confirm threats, and the rules they ran without finding
	// anything on an operation are evidence of a mitigation.
	Runs []*escarp.Run
	// Track returns the risk-tracking entry that matches a threat's
	// finding, or nil (the suppressions file's entries with stage threat).
	Track func(f *escarp.Finding) *escarp.Tracking
	// Now is the time the run is stamped with; zero means time.Now.
	Now time.Time
}

// Result is a derived model, its ranking and its threats as findings.
type Result struct {
	Model   *escarp.ThreatModel
	Ranking []escarp.RankedOperation
	// Run is the threat engine's run: one finding of kind threat per
	// threat, with severity from its current risk band.
	Run *escarp.Run
}

// Score maps likelihood × impact (each 1–4) to 0–100.
func Score(likelihood, impact int) int {
	return int(math.Round(float64(likelihood*impact) * 100 / 16))
}

// Band names a likelihood × impact product as Threagile does: up to 1 low,
// 3 medium, 8 elevated, 12 high, above critical.
func Band(product int) string {
	switch {
	case product <= 0:
		return "none"
	case product <= 1:
		return "low"
	case product <= 3:
		return "medium"
	case product <= 8:
		return "elevated"
	case product <= 12:
		return "high"
	}
	return "critical"
}

// BandOfScore names the band of a 0–100 score.
func BandOfScore(score int) string {
	return Band(int(math.Round(float64(score) * 16 / 100)))
}

// Severity maps a band to a finding severity: critical and high keep
// their names, elevated is medium, medium is low, low is info.
func Severity(band string) escarp.Severity {
	switch band {
	case "critical":
		return escarp.SeverityCritical
	case "high":
		return escarp.SeverityHigh
	case "elevated":
		return escarp.SeverityMedium
	case "medium":
		return escarp.SeverityLow
	}
	return escarp.SeverityInfo
}

// severityImpact is the impact a confirmed finding of a severity implies.
func severityImpact(s escarp.Severity) int {
	switch s {
	case escarp.SeverityCritical:
		return 4
	case escarp.SeverityHigh:
		return 3
	case escarp.SeverityMedium:
		return 2
	}
	return 1
}

var reSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(reSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	if s == "" {
		return "api"
	}
	return s
}

// opEntry is one operation of the model while it is built.
type opEntry struct {
	surface *escarp.Surface
	op      *escarp.Operation
	api     *escarp.API
	service string
	threats []*escarp.Threat
}

// Derive builds the threat model of in: assets, trust boundaries, data
// assets and flows, the attack surface of every operation, the threats of
// each with their risk, and the ranking of operations.
func Derive(in Input) *Result {
	now := in.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	m := &escarp.ThreatModel{Title: in.Title}
	if m.Title == "" && len(in.APIs) > 0 {
		m.Title = in.APIs[0].Title
	}
	if m.Title == "" {
		m.Title = "API"
	}
	b := &builder{m: m, data: map[string]*escarp.DataAsset{}, assets: map[string]*escarp.Asset{}, ops: map[string]*opEntry{}}
	for _, api := range in.APIs {
		b.addAPI(api)
	}
	b.addEndpoints(in.Endpoints)
	b.finishData()
	ev := newEvidence(in.Runs, in.Endpoints)
	for _, key := range b.order {
		e := b.ops[key]
		b.threatsOf(e, ev)
	}
	b.elementThreats(ev)
	m.Threats = append(m.Threats, b.allThreats()...)
	run := &escarp.Run{Engine: escarp.EngineThreat, StartedAt: now, FinishedAt: now, Rules: Rules(),
		Stats: map[string]int64{"operations": int64(len(b.order)), "threats": int64(len(m.Threats)), "assets": int64(len(m.Assets)), "flows": int64(len(m.Flows))}}
	for _, api := range in.APIs {
		if run.Spec == "" {
			run.Spec = api.Location
		}
	}
	for _, t := range m.Threats {
		f := b.finding(t)
		if in.Track != nil {
			if tr := in.Track(&f); tr != nil {
				t.Tracking = tr
				applyTracking(t)
				f = b.finding(t)
				f.Suppressed = &escarp.Suppression{Kind: "file", Reason: cmp.Or(tr.Reason, "tracked: "+tr.State), Owner: tr.Owner}
			}
		}
		run.Findings = append(run.Findings, f)
	}
	m.Assumptions = b.assumptions
	return &Result{Model: m, Ranking: b.rank(), Run: run}
}

// builder accumulates the model.
type builder struct {
	m           *escarp.ThreatModel
	data        map[string]*escarp.DataAsset
	assets      map[string]*escarp.Asset
	ops         map[string]*opEntry
	order       []string
	element     []*escarp.Threat
	assumptions []string
	services    []string
}

func (b *builder) asset(a *escarp.Asset) *escarp.Asset {
	if old, ok := b.assets[a.ID]; ok {
		return old
	}
	b.assets[a.ID] = a
	b.m.Assets = append(b.m.Assets, a)
	return a
}

func (b *builder) boundary(id, name, kind string, asset string) {
	for _, tb := range b.m.Boundaries {
		if tb.ID == id {
			if !slices.Contains(tb.Assets, asset) {
				tb.Assets = append(tb.Assets, asset)
			}
			return
		}
	}
	b.m.Boundaries = append(b.m.Boundaries, &escarp.TrustBoundary{ID: id, Name: name, Kind: kind, Assets: []string{asset}})
}

func (b *builder) addData(class, source string) {
	id := "data-" + class
	d, ok := b.data[id]
	if !ok {
		d = &escarp.DataAsset{ID: id, Name: classNames[class], Confidentiality: classLevel[class], Classes: []string{class}}
		b.data[id] = d
	}
	if source != "" && len(d.Sources) < 12 && !slices.Contains(d.Sources, source) {
		d.Sources = append(d.Sources, source)
	}
}

// addAPI adds one description: its service, clients, flows and surfaces.
func (b *builder) addAPI(api *escarp.API) {
	svcID := "service-" + slug(api.Title)
	for n := 2; slices.Contains(b.services, svcID); n++ {
		svcID = fmt.Sprintf("service-%s-%d", slug(api.Title), n)
	}
	b.services = append(b.services, svcID)
	internet := false
	proto := "https"
	for _, op := range api.Operations {
		if exposure(api, op) == "internet" {
			internet = true
		}
	}
	plainHTTP := ""
	for _, sv := range api.Servers {
		if strings.HasPrefix(strings.ToLower(sv.URL), "http://") {
			u, _ := url.Parse(sv.URL)
			if u != nil && !isLoopback(u.Hostname()) {
				plainHTTP = sv.URL
			}
			proto = "http"
		}
		if !strings.Contains(sv.URL, "://") && proto == "https" {
			b.assumptions = appendOnce(b.assumptions, fmt.Sprintf("%s: the server URL %q is relative; the protocol is assumed to be https and the API internet-facing.", api.Title, sv.URL))
		}
	}
	svc := b.asset(&escarp.Asset{ID: svcID, Name: cmp.Or(api.Title, "API"), Type: escarp.AssetProcess, Kind: "service",
		Description: "The API as described by " + cmp.Or(api.Location, "its description"), Internet: internet, Technology: "web-service-rest",
		Confidentiality: "public", Boundary: "boundary-" + svcID})
	b.boundary("boundary-"+svcID, svc.Name+" (service)", "service", svcID)

	writes := false
	for _, op := range api.Operations {
		s, read, written := surfaceOf(api, op)
		s.Service = svcID
		key := op.Method + " " + op.Path
		if _, dup := b.ops[key]; dup && len(b.services) > 1 {
			key = svcID + " " + key
		}
		if _, dup := b.ops[key]; dup {
			continue
		}
		for c, srcs := range read.classes {
			for _, src := range srcs {
				b.addData(c, src)
			}
		}
		for c, srcs := range written.classes {
			for _, src := range srcs {
				b.addData(c, src)
			}
		}
		if s.Write {
			writes = true
		}
		b.ops[key] = &opEntry{surface: s, op: op, api: api, service: svcID}
		b.order = append(b.order, key)
		b.m.Surfaces = append(b.m.Surfaces, s)
		svc.Confidentiality = maxLevel(svc.Confidentiality, s.Confidentiality)
		for _, d := range slices.Concat(s.DataRead, s.DataWritten) {
			if !slices.Contains(svc.DataProcessed, d) {
				svc.DataProcessed = append(svc.DataProcessed, d)
			}
		}

		// The client that calls it, by security scheme and flow.
		client := b.clientOf(api, op)
		auth, authz := flowAuth(api, op)
		b.m.Flows = append(b.m.Flows, &escarp.DataFlow{ID: "flow-" + slug(key), Source: client, Target: svcID, Operation: op.Method + " " + op.Path,
			Protocol: proto, Authentication: auth, Authorization: authz, ReadOnly: !s.Write,
			DataSent: s.DataWritten, DataReceived: s.DataRead})
		if plainHTTP != "" {
			b.element = append(b.element, b.elementThreat("ESC-THREAT-I-007", "flow-"+slug(key), op,
				3, max(2, impactOfLevel(s.Confidentiality)), fmt.Sprintf("it is served over plain http (%s)", plainHTTP)))
		}

		// Third parties the server talks to.
		if len(s.URLInputs) > 0 && !s.Redirects {
			tp := b.asset(&escarp.Asset{ID: "third-party-fetched", Name: "URLs callers name (fetched by the server)", Type: escarp.AssetExternal,
				Kind: "third-party", Internet: true, Confidentiality: "public", Boundary: "boundary-third-parties"})
			b.boundary("boundary-third-parties", "Third parties", "third-party", tp.ID)
			b.m.Flows = append(b.m.Flows, &escarp.DataFlow{ID: "flow-" + slug(key) + "-fetch", Source: svcID, Target: tp.ID, Operation: op.Method + " " + op.Path,
				Protocol: "https", Authentication: "none", Authorization: "none", ReadOnly: true})
		}
		for name, cbs := range op.Callbacks {
			cb := b.asset(&escarp.Asset{ID: "callback-" + slug(name), Name: "Callback receiver " + name, Type: escarp.AssetExternal, Kind: "callback",
				Internet: true, Confidentiality: "internal", Boundary: "boundary-third-parties"})
			b.boundary("boundary-third-parties", "Third parties", "third-party", cb.ID)
			for _, c := range cbs {
				fid := "flow-" + slug(svcID+" "+name+" "+c.Method+" "+c.Path)
				b.m.Flows = append(b.m.Flows, &escarp.DataFlow{ID: fid, Source: svcID, Target: cb.ID, Operation: c.Method + " " + c.Path,
					Protocol: proto, Authentication: "none", Authorization: "none"})
				b.element = append(b.element, b.elementThreat("ESC-THREAT-S-003", fid, op, 2, 2,
					fmt.Sprintf("the API calls back %s on behalf of %s", name, key)))
			}
		}
	}
	for _, wh := range api.Webhooks {
		cb := b.asset(&escarp.Asset{ID: "webhook-receivers", Name: "Webhook receivers", Type: escarp.AssetExternal, Kind: "callback",
			Internet: true, Confidentiality: "internal", Boundary: "boundary-third-parties"})
		b.boundary("boundary-third-parties", "Third parties", "third-party", cb.ID)
		fid := "flow-" + slug(svcID+" webhook "+wh.Method+" "+wh.Path)
		b.m.Flows = append(b.m.Flows, &escarp.DataFlow{ID: fid, Source: svcID, Target: cb.ID, Operation: wh.Method + " " + wh.Path,
			Protocol: proto, Authentication: "none", Authorization: "none"})
		b.element = append(b.element, b.elementThreat("ESC-THREAT-S-003", fid, nil, 2, 2, "the API sends the webhook "+wh.Path))
	}
	if writes || len(api.Operations) > 0 {
		ds := b.asset(&escarp.Asset{ID: "datastore-" + strings.TrimPrefix(svcID, "service-"), Name: svc.Name + " data store", Type: escarp.AssetDatastore,
			Kind: "datastore", Confidentiality: svc.Confidentiality, DataProcessed: svc.DataProcessed, Boundary: "boundary-" + svcID,
			Description: "Inferred: the store behind the API's objects."})
		b.boundary("boundary-"+svcID, svc.Name+" (service)", "service", ds.ID)
		b.m.Flows = append(b.m.Flows, &escarp.DataFlow{ID: "flow-" + strings.TrimPrefix(ds.ID, "datastore-") + "-store", Source: svcID, Target: ds.ID,
			Protocol: "sql", Authentication: "credentials", Authorization: "technical-user", DataSent: svc.DataProcessed, DataReceived: svc.DataProcessed})
		b.assumptions = appendOnce(b.assumptions, svc.Name+": a data store behind the API is inferred from its objects; its technology is unknown.")
	}
	// Identity providers and token schemes.
	for _, name := range sortedKeys(api.SecuritySchemes) {
		sc := api.SecuritySchemes[name]
		for _, fl := range sc.Flows {
			if u := cmp.Or(fl.TokenURL, fl.AuthorizationURL); strings.Contains(u, "://") {
				pu, _ := url.Parse(u)
				if pu != nil && pu.Host != "" {
					idp := b.asset(&escarp.Asset{ID: "idp-" + slug(pu.Host), Name: "Identity provider " + pu.Host, Type: escarp.AssetExternal,
						Kind: "identity-provider", Internet: true, Confidentiality: "strictly-confidential", Boundary: "boundary-third-parties"})
					b.boundary("boundary-third-parties", "Third parties", "third-party", idp.ID)
				}
			}
		}
		if tokenScheme(sc) {
			b.element = append(b.element, b.elementThreat("ESC-THREAT-S-004", "client-"+slug(name), nil, 2, 4,
				fmt.Sprintf("every authenticated operation trusts the %s tokens of %s", schemeLabel(sc), name)))
		}
	}
	slices.Sort(svc.DataProcessed)
}

func tokenScheme(sc *escarp.SecurityScheme) bool {
	switch sc.Type {
	case escarp.SchemeOAuth2, escarp.SchemeOpenIDConnect:
		return true
	case escarp.SchemeHTTP:
		return strings.EqualFold(sc.Scheme, "bearer")
	}
	return false
}

func schemeLabel(sc *escarp.SecurityScheme) string {
	switch sc.Type {
	case escarp.SchemeHTTP:
		return strings.TrimSpace("http " + sc.Scheme + " " + sc.BearerFormat)
	case escarp.SchemeAPIKey:
		return "API key in " + sc.In
	case escarp.SchemeOAuth2:
		var fl []string
		for _, f := range sc.Flows {
			fl = append(fl, f.Type)
		}
		return "OAuth2 " + strings.Join(fl, "/")
	}
	return sc.Type
}

// clientOf returns the id of the client asset that calls op: one per
// security scheme (and OAuth2 flow), or the anonymous internet.
func (b *builder) clientOf(api *escarp.API, op *escarp.Operation) string {
	if op.Anonymous() {
		a := b.asset(&escarp.Asset{ID: "client-anonymous", Name: "Anonymous client (internet)", Type: escarp.AssetExternal, Kind: "client",
			Internet: true, Confidentiality: "public", Boundary: "boundary-internet"})
		b.boundary("boundary-internet", "Internet", "internet", a.ID)
		return a.ID
	}
	names := make([]string, 0, len(op.Security[0]))
	for n := range op.Security[0] {
		names = append(names, n)
	}
	slices.Sort(names)
	name := strings.Join(names, "+")
	desc := "Client authenticating with " + name
	kind := "client"
	if sc := api.SecuritySchemes[names[0]]; sc != nil {
		desc = "Client using " + schemeLabel(sc)
		for _, f := range sc.Flows {
			switch f.Type {
			case "authorizationCode", "implicit":
				desc = "Browser user (OAuth2 " + f.Type + ")"
			case "clientCredentials":
				desc = "Machine client (OAuth2 client credentials)"
			}
		}
	}
	a := b.asset(&escarp.Asset{ID: "client-" + slug(name), Name: desc, Type: escarp.AssetExternal, Kind: kind, Internet: true,
		Confidentiality: "public", Boundary: "boundary-internet"})
	b.boundary("boundary-internet", "Internet", "internet", a.ID)
	return a.ID
}

// flowAuth maps op's security to Threagile's authentication and
// authorization of a link.
func flowAuth(api *escarp.API, op *escarp.Operation) (string, string) {
	if op.Anonymous() {
		return "none", "none"
	}
	for n := range op.Security[0] {
		sc := api.SecuritySchemes[n]
		if sc == nil {
			continue
		}
		switch sc.Type {
		case escarp.SchemeMutualTLS:
			return "client-certificate", "technical-user"
		case escarp.SchemeAPIKey:
			if sc.In == "cookie" {
				return "session-id", "end-user-identity-propagation"
			}
			return "token", "technical-user"
		case escarp.SchemeHTTP:
			if strings.EqualFold(sc.Scheme, "basic") {
				return "credentials", "end-user-identity-propagation"
			}
		}
		return "token", "end-user-identity-propagation"
	}
	return "token", "end-user-identity-propagation"
}

// addEndpoints folds the inventory in: the exposure and state of known
// operations, and shadow and zombie endpoints as operations of their own.
func (b *builder) addEndpoints(eps []*escarp.Endpoint) {
	for _, ep := range eps {
		key := ep.Method + " " + ep.Template
		e, ok := b.ops[key]
		if !ok {
			if ep.Classification != escarp.ClassShadow && ep.Classification != escarp.ClassZombie && ep.Classification != escarp.ClassRogue {
				continue
			}
			op := &escarp.Operation{Method: ep.Method, Path: ep.Template}
			if !ep.Anonymous && len(ep.Auth) > 0 {
				op.Security = []escarp.SecurityRequirement{{ep.Auth[0]: nil}}
			}
			api := &escarp.API{Title: cmp.Or(ep.Service, "inventory")}
			s, _, _ := surfaceOf(api, op)
			s.Service = "service-" + slug(cmp.Or(ep.Service, "inventory"))
			if len(b.services) > 0 && ep.Service == "" {
				s.Service = b.services[0]
			}
			e = &opEntry{surface: s, op: op, api: api, service: s.Service}
			b.ops[key] = e
			b.order = append(b.order, key)
			b.m.Surfaces = append(b.m.Surfaces, s)
		}
		s := e.surface
		s.Classification = ep.Classification
		if ep.InternetFacing {
			s.Exposure = "internet"
		}
		if ep.Anonymous && ep.Hits > 0 {
			s.Anonymous = true
		}
		if ep.Deprecated {
			s.Deprecated = true
		}
		for _, dc := range ep.DataClasses {
			if c := classOfName(dc); c != "" {
				b.addData(c, "observed "+dc+" in "+key)
				id := "data-" + c
				if !slices.Contains(s.DataRead, id) {
					s.DataRead = append(s.DataRead, id)
				}
				s.Confidentiality = maxLevel(s.Confidentiality, classLevel[c])
			}
		}
	}
}

// finishData lists the data assets in a stable order.
func (b *builder) finishData() {
	for _, id := range sortedKeys(b.data) {
		b.m.DataAssets = append(b.m.DataAssets, b.data[id])
	}
	if len(b.m.DataAssets) == 0 {
		b.addData(ClassBusiness, "the API's objects")
		b.m.DataAssets = append(b.m.DataAssets, b.data["data-"+ClassBusiness])
	}
	slices.SortFunc(b.m.Assets, func(x, y *escarp.Asset) int { return cmp.Compare(x.ID, y.ID) })
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func isLoopback(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}
