package threat

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// Name patterns of inputs, matched against [nameKey] of the name.
var (
	reObjectID  = regexp.MustCompile(`^(id|ids|uuid|guid|slug)$|[_-](id|ids|uuid|guid)$|[a-z0-9](Id|Ids|ID|IDs|Uuid|UUID)$`)
	reURL       = regexp.MustCompile(`(^url$|url$|^uri$|uri$|^href$|^link$|callback|webhook|^endpoint$|redirect|^next$|returnto|^return$|^target$|^dest(ination)?$|^feed$|^source$|^src$|^image$|^avatar$)`)
	reCommand   = regexp.MustCompile(`^(host|hostname|ip|ipaddress|domain|cmd|command|exec|shell|args|argv|ping|address)$`)
	reFile      = regexp.MustCompile(`^(file|filename|filepath|path|document|doc|dir|directory|folder|attachment|download|resource|page|include|template(path|file))$`)
	reTemplate  = regexp.MustCompile(`^(template|tpl|tmpl|layout|expression|expr|formula|render|view)$`)
	rePattern   = regexp.MustCompile(`^(pattern|regex|regexp|re)$`)
	rePageSize  = regexp.MustCompile(`^(limit|pagesize|perpage|size|count|max|maxresults|top|first|last|take)$`)
	reMass      = regexp.MustCompile(`^(role|roles|isadmin|admin|issuperuser|superuser|permissions?|privileges?|scopes?|group|groups|verified|isverified|emailverified|approved|isapproved|active|isactive|balance|credit|credits|ownerid|userid|accountid|tenantid|orgid|status|state|price|pricecents|totalcents|total|amount|discount|plan|tier|level|karma)$`)
	rePrivilege = regexp.MustCompile(`^(role|roles|isadmin|admin|issuperuser|superuser|permissions?|privileges?|scopes?|group|groups|plan|tier|level)$`)
	reMoney     = regexp.MustCompile(`pay|payment|checkout|charge|refund|transfer|withdraw|deposit|coupon|voucher|discount|purchase|order|invoice|billing|wallet|credit|redeem|booking|subscription`)
	reQuantity  = regexp.MustCompile(`^(amount|price|pricecents|quantity|qty|nights|count|total|totalcents|credits|points|units)$`)
	reAdminSeg  = regexp.MustCompile(`^(admin|administrator|internal|manage|management|staff|superuser|sudo|ops|backoffice|console|system|debug|actuator)$`)
	reBulkSeg   = regexp.MustCompile(`^(export|exports|dump|all|bulk|download|backup|report|reports)$`)
	reStep      = regexp.MustCompile(`(?i)\bstep \d+ of \d+\b`)
	reAdminText = regexp.MustCompile(`(?i)\badmin(istrator)?s? only\b|\(admin only\)|harbour master`)
	reToken     = regexp.MustCompile(`^(accesstoken|token|idtoken|jwt|sessiontoken|refreshtoken)$`)
)

// surfaceOf derives the attack-surface facts of op. The facts come from
// the description alone; the inventory and findings refine them later.
func surfaceOf(api *escarp.API, op *escarp.Operation) (*escarp.Surface, dataSeen, dataSeen) {
	s := &escarp.Surface{Method: op.Method, Path: op.Path, OperationID: op.ID, Exposure: exposure(api, op),
		Anonymous: op.Anonymous(), Deprecated: op.Deprecated}
	for _, req := range op.Security {
		for name, scopes := range req {
			if !slices.Contains(s.Auth, name) {
				s.Auth = append(s.Auth, name)
			}
			for _, sc := range scopes {
				if !slices.Contains(s.Scopes, sc) {
					s.Scopes = append(s.Scopes, sc)
				}
			}
		}
	}
	slices.Sort(s.Auth)
	slices.Sort(s.Scopes)
	switch op.Method {
	case "POST", "PUT", "PATCH":
		s.Write = true
	case "DELETE":
		s.Write, s.Delete = true, true
	}
	var read, written dataSeen

	// Parameters.
	for _, p := range op.Parameters {
		in, name := p.In, p.Name
		k := nameKey(name)
		label := in + ":" + name
		if in == "header" || in == "cookie" {
			if c := classOfName(name); c != "" {
				written.add(c, label)
			}
			continue
		}
		if in == "path" {
			if !isLocaleish(k) {
				s.ObjectIDs = append(s.ObjectIDs, label)
			}
			continue
		}
		classifyInput(s, label, name, p.Schema, op)
		if c := classOfName(name); c != "" {
			written.add(c, label)
			if c == ClassCredentials && in == "query" {
				s.CredentialsInURL = true
			}
		}
		if c, _ := classOfSchema(p.Schema); c == ClassCredentials && in == "query" {
			s.CredentialsInURL = true
		}
		if in == "query" && rePageSize.MatchString(k) && isNumeric(p.Schema) && p.Schema.Maximum == nil && p.Schema.ExclusiveMaximum == nil {
			s.Unbounded = true
		}
	}

	// Request body.
	if b := op.RequestBody; b != nil {
		for _, m := range b.Content {
			mt := strings.ToLower(m.MediaType)
			switch {
			case strings.Contains(mt, "xml"):
				s.XMLBody = true
			case strings.HasPrefix(mt, "multipart/"), mt == "application/octet-stream", strings.HasPrefix(mt, "image/"):
				s.Upload = true
			}
			if m.Schema == nil {
				continue
			}
			written.scanSchema(m.Schema, "request")
			bodyInputs(s, m.Schema, op)
		}
	}

	// Responses.
	for _, r := range op.Responses {
		if strings.HasPrefix(r.Status, "3") {
			s.Redirects = true
		}
		if !strings.HasPrefix(r.Status, "2") {
			continue
		}
		for _, m := range r.Content {
			if m.Schema == nil {
				continue
			}
			read.scanSchema(m.Schema, "response")
			if op.Method == "GET" && isCollection(m.Schema) {
				s.BulkRead = true
			}
			if issuesToken(m.Schema) {
				s.Credentials = true
			}
		}
	}

	// Function level: admin.
	segs := strings.Split(strings.ToLower(op.Path), "/")
	for _, seg := range segs {
		if reAdminSeg.MatchString(seg) {
			s.Admin = true
		}
		if reBulkSeg.MatchString(seg) && op.Method == "GET" {
			s.BulkRead = true
		}
	}
	if v, ok := op.Extensions["x-escarp-privileged"].(bool); ok && v {
		s.Admin = true
	}
	for _, t := range op.Tags {
		if reAdminSeg.MatchString(strings.ToLower(t)) {
			s.Admin = true
		}
	}
	for _, sc := range s.Scopes {
		if strings.Contains(strings.ToLower(sc), "admin") {
			s.Admin = true
		}
	}
	if reAdminText.MatchString(op.Summary) {
		s.Admin = true
	}
	if s.Admin && op.Method == "GET" && len(s.ObjectIDs) == 0 {
		s.BulkRead = s.BulkRead || read.classes[ClassPII] != nil
	}

	// Business flows: money and quantity, declared steps.
	text := strings.ToLower(op.Path + " " + op.ID + " " + op.Summary)
	if s.Write && reMoney.MatchString(text) {
		s.MoneyMoving = true
	}
	if _, ok := op.Extensions["x-escarp-requires"]; ok || reStep.MatchString(op.Summary+" "+op.Description) {
		s.FlowStep = true
	}

	// Credentials taken anonymously: a login.
	if s.Anonymous && written.classes[ClassCredentials] != nil {
		s.Credentials = true
	}
	s.DataRead = dataIDs(read.classList())
	s.DataWritten = dataIDs(written.classList())
	s.Confidentiality = maxLevel(read.confidentiality(), written.confidentiality())
	if !s.Anonymous {
		// What only signed-in callers get is not public.
		s.Confidentiality = maxLevel(s.Confidentiality, "internal")
	}
	for _, l := range [][]string{s.ObjectIDs, s.URLInputs, s.CommandInputs, s.FileInputs, s.TemplateInputs, s.PatternInputs, s.FilterInputs, s.MassAssignable} {
		slices.Sort(l)
	}
	s.ObjectIDs = slices.Compact(s.ObjectIDs)
	return s, read, written
}

// classifyInput records what a query parameter or a body property is: an
// object id, a URL, a host, a file name, a template, a pattern or a
// free-text filter.
func classifyInput(s *escarp.Surface, label, name string, sc *escarp.Schema, op *escarp.Operation) {
	k := nameKey(name)
	format := ""
	if sc != nil {
		format = strings.ToLower(sc.Format)
	}
	isString := sc == nil || sc.HasType("string") || len(sc.Type) == 0
	switch {
	case format == "uri" || format == "url" || format == "uri-reference" || format == "iri" || format == "iri-reference" || (isString && reURL.MatchString(k)):
		s.URLInputs = append(s.URLInputs, label)
	case format == "hostname" || format == "ipv4" || format == "ipv6" || (isString && reCommand.MatchString(k) && k != "address") || (isString && k == "address" && strings.Contains(strings.ToLower(op.Path), "tool")):
		s.CommandInputs = append(s.CommandInputs, label)
	case isString && reFile.MatchString(k):
		s.FileInputs = append(s.FileInputs, label)
	case isString && reTemplate.MatchString(k):
		s.TemplateInputs = append(s.TemplateInputs, label)
	case format == "regex" || (isString && rePattern.MatchString(k)):
		s.PatternInputs = append(s.PatternInputs, label)
	case reObjectID.MatchString(name) && (sc == nil || !sc.HasType("boolean")):
		s.ObjectIDs = append(s.ObjectIDs, label)
	case format == "binary" || format == "byte" && strings.Contains(k, "file"):
		s.Upload = true
	case isString && sc != nil && len(sc.Enum) == 0 && sc.Pattern == "" && format == "" && !strings.HasPrefix(label, "body:"):
		s.FilterInputs = append(s.FilterInputs, label)
	case isString && sc != nil && len(sc.Enum) == 0 && sc.Pattern == "" && format == "" && isLookupCode(k):
		s.FilterInputs = append(s.FilterInputs, label)
	}
}

// isLookupCode reports body properties that are looked up as they are
// (codes, coupons, search terms): NoSQL and SQL injection sinks.
func isLookupCode(k string) bool {
	switch k {
	case "code", "coupon", "voucher", "query", "q", "search", "filter", "where", "selector", "lookup", "term", "keyword", "sort", "order", "orderby":
		return true
	}
	return false
}

// bodyInputs walks the top two levels of a request body schema.
func bodyInputs(s *escarp.Surface, sc *escarp.Schema, op *escarp.Operation) {
	seen := map[*escarp.Schema]bool{}
	var walk func(prefix string, sc *escarp.Schema, depth int)
	walk = func(prefix string, sc *escarp.Schema, depth int) {
		if sc == nil || depth > 2 || seen[sc] {
			return
		}
		seen[sc] = true
		for _, part := range slices.Concat(sc.AllOf, sc.OneOf, sc.AnyOf) {
			walk(prefix, part, depth)
		}
		for _, name := range sc.SortedPropertyNames() {
			p := sc.Properties[name]
			k := nameKey(name)
			label := "body:" + prefix + "/" + escarp.EscapePointer(name)
			if reMass.MatchString(k) && (p == nil || p.ReadOnly || !isObjectRef(k)) {
				if p != nil && p.ReadOnly {
					s.MassAssignable = append(s.MassAssignable, strings.TrimPrefix(label, "body:")+" (readOnly, yet in the request schema)")
				} else if rePrivilege.MatchString(k) || !strings.HasSuffix(k, "id") {
					s.MassAssignable = append(s.MassAssignable, strings.TrimPrefix(label, "body:"))
				}
			}
			if p != nil && p.ReadOnly {
				continue
			}
			if reQuantity.MatchString(k) && s.Write {
				s.MoneyMoving = true
			}
			if p != nil && (p.Format == "binary" || p.Format == "base64") {
				s.Upload = true
			}
			if p != nil && p.HasType("string") && p.MaxLength == nil && p.Enum == nil && p.Pattern == "" && p.Format == "" {
				s.Unbounded = true
			}
			classifyInput(s, label, name, p, op)
			if p != nil && (p.HasType("object") || p.HasType("array")) {
				walk(prefix+"/"+escarp.EscapePointer(name), p, depth+1)
			}
		}
	}
	walk("", sc, 0)
}

// isObjectRef reports names of references to other objects (user_id):
// writable references are object ids, not privileges.
func isObjectRef(k string) bool { return strings.HasSuffix(k, "id") && k != "id" && k != "paid" }

func isLocaleish(k string) bool {
	switch k {
	case "version", "v", "lang", "locale", "format", "ext", "region", "apiversion":
		return true
	}
	return false
}

func isNumeric(s *escarp.Schema) bool {
	return s != nil && (s.HasType("integer") || s.HasType("number"))
}

// isCollection reports a response that lists objects: an array, or an
// object with an array of objects in items/data/results.
func isCollection(s *escarp.Schema) bool {
	if s == nil {
		return false
	}
	if s.HasType("array") {
		return true
	}
	for _, name := range []string{"items", "data", "results", "records", "entries", "list"} {
		if p := s.Properties[name]; p != nil && p.HasType("array") && p.Items != nil && (p.Items.HasType("object") || len(p.Items.Properties) > 0 || p.Items.Ref != "") {
			return true
		}
	}
	return false
}

// issuesToken reports a response that hands out a token.
func issuesToken(s *escarp.Schema) bool {
	if s == nil {
		return false
	}
	for name := range s.Properties {
		if reToken.MatchString(nameKey(name)) {
			return true
		}
	}
	return false
}

// exposure is "internal" when the operation or every server is marked
// x-internal or private, else "internet".
func exposure(api *escarp.API, op *escarp.Operation) string {
	if v, ok := op.Extensions["x-internal"].(bool); ok {
		if v {
			return "internal"
		}
		return "internet"
	}
	if v, ok := api.Extensions["x-internal"].(bool); ok && v {
		return "internal"
	}
	servers := op.Servers
	if len(servers) == 0 {
		servers = api.Servers
	}
	if len(servers) == 0 {
		return "internet"
	}
	for _, sv := range servers {
		if !privateServer(sv.URL) {
			return "internet"
		}
	}
	return "internal"
}

// privateServer reports a server URL on a private network (RFC 1918,
// .internal, .local, .svc). Loopback and relative URLs are taken as
// internet-facing: they describe where the API runs in development, not
// where it is deployed.
func privateServer(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsPrivate()
	}
	for _, suf := range []string{".internal", ".local", ".svc", ".cluster.local", ".corp", ".lan"} {
		if strings.HasSuffix(h, suf) {
			return true
		}
	}
	return false
}

// dataIDs maps classes to data asset ids.
func dataIDs(classes []string) []string {
	out := make([]string, 0, len(classes))
	for _, c := range classes {
		out = append(out, "data-"+c)
	}
	return out
}

// SurfaceOf returns the attack-surface facts of op in api, from the
// description alone.
func SurfaceOf(api *escarp.API, op *escarp.Operation) *escarp.Surface {
	s, _, _ := surfaceOf(api, op)
	return s
}
