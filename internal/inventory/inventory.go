package inventory

import (
	"context"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// DefaultOrphanAfter is how long a documented endpoint may go unseen, while
// its service's traffic is watched, before it is an orphan.
const DefaultOrphanAfter = 30 * 24 * time.Hour

// Store is what the inventory needs from a store.
type Store interface {
	PutServices(ctx context.Context, services []*escarp.Service) error
	Services(ctx context.Context) ([]*escarp.Service, error)
	PutEndpoints(ctx context.Context, endpoints []*escarp.Endpoint) error
	Endpoints(ctx context.Context, f escarp.EndpointFilter) ([]*escarp.Endpoint, error)
	TemplateRules(ctx context.Context) ([]*escarp.TemplateRule, error)
}

// Options tune an [Inventory].
type Options struct {
	// OrphanAfter is the orphan window (DefaultOrphanAfter when 0).
	OrphanAfter time.Duration
	// Collapse is the templating cardinality threshold.
	Collapse int
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Inventory merges observations into the stored catalogue.
type Inventory struct {
	store Store
	opts  Options
}

// New returns an inventory over store.
func New(store Store, opts Options) *Inventory {
	if opts.OrphanAfter <= 0 {
		opts.OrphanAfter = DefaultOrphanAfter
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Inventory{store: store, opts: opts}
}

// Result summarizes an import.
type Result struct {
	Observations int            `json:"observations"`
	Ignored      int            `json:"ignored"` // noise: error responses to unknown paths
	New          int            `json:"new"`
	Updated      int            `json:"updated"`
	Services     []string       `json:"services"`
	Classes      map[string]int `json:"classes"` // over every endpoint after the import
}

// SpecService describes an API description being registered: its service
// name and the hosts of its servers.
type SpecService struct {
	Name  string
	Hosts []string
	Spec  string
	Owner string
}

// ServiceForSpec names the service of an API description: the name given
// on import, else its title; its hosts come from its absolute server URLs.
func ServiceForSpec(api *escarp.API, named string) SpecService {
	s := SpecService{Name: named, Spec: api.Location}
	if s.Name == "" {
		s.Name = Slug(api.Title)
	}
	if s.Name == "" {
		s.Name = "api"
	}
	for _, sv := range api.Servers {
		if u, err := url.Parse(sv.URL); err == nil && u.Host != "" {
			s.Hosts = appendUnique(s.Hosts, strings.ToLower(u.Host))
		}
	}
	if api.Contact != nil {
		s.Owner = firstNonEmpty(api.Contact.Email, api.Contact.Name)
	}
	return s
}

// SpecObservations turns every operation of api into a documented
// observation for service.
func SpecObservations(api *escarp.API, service string, at time.Time) []escarp.Observation {
	obs := make([]escarp.Observation, 0, len(api.Operations))
	for _, op := range api.Operations {
		o := escarp.Observation{Source: escarp.SourceSpec, Service: service, Method: op.Method,
			Path: op.Path, Template: op.Path, Time: at, Documented: true, Deprecated: op.Deprecated,
			OperationID: op.ID, Where: op.Pos.String()}
		if v, ok := op.Extensions["x-sunset"].(string); ok {
			o.Sunset = v
		}
		for _, req := range op.Security {
			for name := range req {
				o.Auth = appendUnique(o.Auth, schemeLabel(api.SecuritySchemes[name], name))
			}
		}
		if op.Anonymous() && len(op.Security) > 0 {
			o.Anonymous = true
		}
		for _, p := range op.Parameters {
			if p.In == "query" {
				o.Query = appendUnique(o.Query, p.Name)
			}
		}
		obs = append(obs, o)
	}
	return obs
}

func schemeLabel(s *escarp.SecurityScheme, name string) string {
	if s == nil {
		return name
	}
	switch s.Type {
	case escarp.SchemeHTTP:
		return strings.ToLower(s.Scheme)
	case escarp.SchemeAPIKey:
		return "apiKey:" + s.ParamName
	default:
		return s.Type
	}
}

// Import merges observations into the catalogue. specs registers the API
// descriptions among them (their services and hosts); named is the
// service given on import (--service), which traffic joins when its host
// matches no known server.
func (inv *Inventory) Import(ctx context.Context, specs []SpecService, obs []escarp.Observation, named string) (*Result, error) {
	now := inv.opts.Now()
	services, err := inv.store.Services(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*escarp.Service, len(services))
	for _, s := range services {
		byName[s.Name] = s
	}
	service := func(name string) *escarp.Service {
		s := byName[name]
		if s == nil {
			s = &escarp.Service{Name: name, FirstSeen: now}
			byName[name] = s
		}
		return s
	}
	for _, sp := range specs {
		s := service(sp.Name)
		s.Rogue = false
		for _, h := range sp.Hosts {
			s.Hosts = appendUnique(s.Hosts, h)
		}
		if sp.Spec != "" {
			s.Specs = appendUnique(s.Specs, sp.Spec)
		}
		if s.Owner == "" {
			s.Owner = sp.Owner
		}
	}
	if named != "" {
		service(named)
	}

	existing, err := inv.store.Endpoints(ctx, escarp.EndpointFilter{})
	if err != nil {
		return nil, err
	}
	rules, err := inv.store.TemplateRules(ctx)
	if err != nil {
		return nil, err
	}
	tp := NewTemplater()
	tp.Collapse = inv.opts.Collapse
	endpoints := make(map[string]*escarp.Endpoint, len(existing))
	for _, e := range existing {
		endpoints[e.Key()] = e
		if e.Documented || contains(e.Sources, escarp.SourceCode) {
			tp.AddTemplate(e.Service, e.Template)
		}
	}
	for _, o := range obs {
		if o.Template != "" && (o.Source == escarp.SourceSpec || o.Source == escarp.SourceCode) {
			tp.AddTemplate(o.Service, o.Template)
		}
	}
	for _, r := range rules {
		for _, s := range inv.rulesServices(r, byName) {
			if r.Literal != "" {
				tp.Pin(s, r.Literal)
			}
			if r.Template != "" {
				tp.AddTemplate(s, r.Template)
			}
		}
	}

	// Resolve the service of every live observation, then let
	// cardinality see every raw path before templating any.
	res := &Result{Observations: len(obs), Classes: map[string]int{}}
	for i := range obs {
		o := &obs[i]
		if o.Source == escarp.SourceSpec || o.Service != "" && byName[o.Service] != nil && o.Source == escarp.SourceCode {
			continue
		}
		o.Service = inv.resolve(o, named, byName, tp)
		if byName[o.Service] == nil {
			s := service(o.Service)
			s.Rogue = true
			if o.Host != "" {
				s.Hosts = appendUnique(s.Hosts, strings.ToLower(o.Host))
			}
		}
		if o.Template == "" {
			tp.Observe(o.Service, o.Path)
		}
	}
	touched := map[string]bool{}
	for i := range obs {
		o := &obs[i]
		live := o.Source == escarp.SourceTraffic || o.Source == escarp.SourceProbe
		tpl := o.Template
		if tpl == "" {
			tpl = tp.Template(o.Service, o.Path)
		} else {
			tpl = Normalize(tpl)
			if known, ok := tp.Match(o.Service, tpl); ok {
				tpl = known
			}
		}
		method := strings.ToUpper(o.Method)
		key := o.Service + " " + method + " " + tpl
		e := endpoints[key]
		if e == nil {
			if live && o.Status >= 400 && o.Status != 401 && o.Status != 403 {
				res.Ignored++ // errors on unknown paths are noise, not endpoints
				continue
			}
			e = &escarp.Endpoint{Service: o.Service, Method: method, Template: tpl, FirstSeen: firstTime(o.Time, now)}
			endpoints[key] = e
			res.New++
		} else if !touched[key] {
			res.Updated++
		}
		touched[key] = true
		merge(e, o, live, now)
		if live {
			if s := byName[o.Service]; s != nil && (s.Watched.IsZero() || o.Time.Before(s.Watched)) && o.Source == escarp.SourceTraffic {
				s.Watched = firstTime(o.Time, now)
			}
		}
	}

	var all []*escarp.Endpoint
	for _, e := range endpoints {
		inv.classify(e, byName[e.Service], now)
		res.Classes[e.Classification]++
		all = append(all, e)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key() < all[j].Key() })
	var svcList []*escarp.Service
	for name, s := range byName {
		svcList = append(svcList, s)
		for _, o := range obs {
			if o.Service == name {
				res.Services = appendUnique(res.Services, name)
				break
			}
		}
	}
	sort.Strings(res.Services)
	if err := inv.store.PutServices(ctx, svcList); err != nil {
		return nil, err
	}
	if err := inv.store.PutEndpoints(ctx, all); err != nil {
		return nil, err
	}
	return res, nil
}

// Reclassify recomputes every endpoint's classification at the current
// time (orphans appear as time passes) and stores the result.
func (inv *Inventory) Reclassify(ctx context.Context) ([]*escarp.Endpoint, error) {
	return inv.recompute(ctx)
}

func (inv *Inventory) recompute(ctx context.Context) ([]*escarp.Endpoint, error) {
	services, err := inv.store.Services(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*escarp.Service, len(services))
	for _, s := range services {
		byName[s.Name] = s
	}
	eps, err := inv.store.Endpoints(ctx, escarp.EndpointFilter{})
	if err != nil {
		return nil, err
	}
	now := inv.opts.Now()
	for _, e := range eps {
		inv.classify(e, byName[e.Service], now)
	}
	if err := inv.store.PutEndpoints(ctx, eps); err != nil {
		return nil, err
	}
	return eps, nil
}

func (inv *Inventory) rulesServices(r *escarp.TemplateRule, byName map[string]*escarp.Service) []string {
	if r.Service != "" {
		return []string{r.Service}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	return names
}

// resolve picks the service of a live observation: the service whose hosts
// include its host; else the service named on import; else the service
// whose documented paths it matches; else a rogue service for its host.
func (inv *Inventory) resolve(o *escarp.Observation, named string, byName map[string]*escarp.Service, tp *Templater) string {
	host := strings.ToLower(o.Host)
	if host != "" {
		names := sortedNames(byName)
		for _, n := range names {
			if s := byName[n]; !s.Rogue && hostIn(host, s.Hosts) {
				return n
			}
		}
	}
	if o.Service != "" {
		return o.Service
	}
	if named != "" {
		return named
	}
	for _, n := range sortedNames(byName) {
		if byName[n].Rogue {
			continue
		}
		if _, ok := tp.Match(n, o.Path); ok {
			return n
		}
	}
	for _, n := range sortedNames(byName) {
		if s := byName[n]; s.Rogue && hostIn(host, s.Hosts) {
			return n
		}
	}
	if host == "" {
		return "rogue"
	}
	return "rogue-" + Slug(host)
}

func sortedNames(m map[string]*escarp.Service) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// hostIn matches host[:port] against a list, ignoring default ports and
// treating localhost and 127.0.0.1 alike.
func hostIn(host string, hosts []string) bool {
	h := canonicalHost(host)
	for _, x := range hosts {
		if canonicalHost(x) == h {
			return true
		}
	}
	return false
}

func canonicalHost(h string) string {
	h = strings.ToLower(h)
	h = strings.TrimSuffix(strings.TrimSuffix(h, ":80"), ":443")
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, ""
	}
	if host == "localhost" || host == "::1" || host == "[::1]" {
		host = "127.0.0.1"
	}
	if port != "" {
		return host + ":" + port
	}
	return host
}

func merge(e *escarp.Endpoint, o *escarp.Observation, live bool, now time.Time) {
	e.Sources = appendUnique(e.Sources, o.Source)
	sort.Strings(e.Sources)
	t := firstTime(o.Time, now)
	if t.Before(e.FirstSeen) {
		e.FirstSeen = t
	}
	if o.Documented {
		e.Documented = true
		e.Deprecated = o.Deprecated
		if o.Sunset != "" {
			e.Sunset = o.Sunset
		}
		if o.OperationID != "" {
			e.OperationID = o.OperationID
		}
	}
	if o.Owner != "" && e.Owner == "" {
		e.Owner = o.Owner
	}
	if o.Where != "" && len(e.Where) < 8 {
		e.Where = appendUnique(e.Where, o.Where)
	}
	for _, a := range o.Auth {
		e.Auth = appendUnique(e.Auth, a)
	}
	for _, q := range o.Query {
		if len(e.Query) < 64 {
			e.Query = appendUnique(e.Query, q)
		}
	}
	sort.Strings(e.Query)
	for _, d := range o.DataClasses {
		e.DataClasses = appendUnique(e.DataClasses, d)
	}
	sort.Strings(e.DataClasses)
	if !live {
		return
	}
	e.Hits++
	if t.After(e.LastSeen) {
		e.LastSeen = t
	}
	if o.Status > 0 {
		if e.Statuses == nil {
			e.Statuses = map[string]int64{}
		}
		e.Statuses[strconv.Itoa(o.Status/100)+"xx"]++
	}
	if o.Anonymous {
		e.Anonymous = true
	}
	if o.ClientIP != "" && isPublic(o.ClientIP) {
		e.InternetFacing = true
	}
	if o.RequestBody != "" {
		e.RequestSchema = MergeSchemaJSON(e.RequestSchema, o.RequestBody)
	}
	if o.ResponseBody != "" && o.Status < 400 {
		e.ResponseSchema = MergeSchemaJSON(e.ResponseSchema, o.ResponseBody)
	}
}

// classify applies the escarp definitions.
func (inv *Inventory) classify(e *escarp.Endpoint, s *escarp.Service, now time.Time) {
	served := !e.LastSeen.IsZero() || contains(e.Sources, escarp.SourceCode)
	switch {
	case s != nil && s.Rogue:
		e.Classification = escarp.ClassRogue
	case e.Documented && !e.LastSeen.IsZero() && (e.Deprecated || sunsetPassed(e.Sunset, now)):
		e.Classification = escarp.ClassZombie
	case !e.Documented && served:
		e.Classification = escarp.ClassShadow
	case e.Documented && s != nil && !s.Watched.IsZero() && now.Sub(latest(e.LastSeen, s.Watched)) > inv.opts.OrphanAfter:
		e.Classification = escarp.ClassOrphan
	default:
		e.Classification = escarp.ClassDocumented
	}
}

func sunsetPassed(sunset string, now time.Time) bool {
	if sunset == "" {
		return false
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02", time.RFC1123} {
		if t, err := time.Parse(layout, sunset); err == nil {
			return now.After(t)
		}
	}
	return false
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func firstTime(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// isPublic reports whether ip is a globally routable address.
func isPublic(ip string) bool {
	a := net.ParseIP(strings.TrimSpace(ip))
	if a == nil {
		if h, _, err := net.SplitHostPort(ip); err == nil {
			a = net.ParseIP(h)
		}
	}
	if a == nil {
		return false
	}
	return !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast())
}

func appendUnique(list []string, s string) []string {
	if s == "" || contains(list, s) {
		return list
	}
	return append(list, s)
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// Slug turns a title or host into a service name: lower case, words
// joined by dashes.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
