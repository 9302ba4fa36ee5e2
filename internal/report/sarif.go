package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// MaxSARIFResults is the most results a SARIF run holds, GitHub code
// scanning's limit. Beyond it the most severe are kept and the run says how
// many were dropped.
const MaxSARIFResults = 25000

// FingerprintKey is the partialFingerprints key of escarp's fingerprint.
const FingerprintKey = "escarp/v1"

// srcRoot is the uriBaseId of repository-relative URIs.
const srcRoot = "%SRCROOT%"

func sarifFormat(o Options) Format {
	return func(w io.Writer, r *escarp.Report) error { return writeSARIF(w, r, o) }
}

// writeSARIF writes r as SARIF 2.1.0, one run per engine, shaped for GitHub
// code scanning as ARCHITECTURE.md describes.
func writeSARIF(w io.Writer, r *escarp.Report, o Options) error {
	r = Prepare(r)
	log := sarif.NewReport()
	log.Schema = "https://json.schemastore.org/sarif-2.1.0.json"
	for _, run := range r.Runs {
		log.AddRun(sarifRun(r, run, o))
	}
	raw, err := json.Marshal(log)
	if err != nil {
		return fmt.Errorf("encode SARIF: %w", err)
	}
	// go-sarif writes every optional array and every "-1 = unset" default;
	// drop them so the log says only what escarp knows.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("encode SARIF: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(prune(doc)); err != nil {
		return fmt.Errorf("encode SARIF: %w", err)
	}
	return nil
}

// prune removes empty arrays and objects and numbers equal to -1 (SARIF's
// "not set" for indexes, ranks and offsets), except the log's runs and a
// run's results, which the schema and GitHub require even when empty.
func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			e = prune(e)
			if k != "results" && k != "runs" && isEmpty(e) {
				delete(v, k)
				continue
			}
			v[k] = e
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = prune(e)
		}
		return v
	}
	return v
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	case json.Number:
		return v == "-1"
	}
	return false
}

func sarifRun(r *escarp.Report, run *escarp.Run, o Options) *sarif.Run {
	out := sarif.NewRun()
	driver := sarif.NewToolComponent()
	driver.WithName(cmpOr(r.Tool.Name, "escarp"))
	if r.Tool.Version != "" {
		driver.WithVersion(r.Tool.Version)
		if isSemver(r.Tool.Version) {
			driver.WithSemanticVersion(strings.TrimPrefix(r.Tool.Version, "v"))
		}
	}
	if r.Tool.URI != "" {
		driver.WithInformationURI(r.Tool.URI)
	}
	rules := ruleTable(run)
	index := make(map[string]int, len(rules))
	for i, ri := range rules {
		index[ri.ID] = i
		driver.AddRule(sarifRule(ri))
	}
	out.WithTool(sarif.NewTool().WithDriver(driver))
	out.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID("escarp/" + run.Engine + "/"))
	out.WithColumnKind("unicodeCodePoints")

	limit := o.MaxResults
	if limit <= 0 {
		limit = MaxSARIFResults
	}
	findings := run.Findings // most severe first: Prepare sorted them
	dropped := 0
	if len(findings) > limit {
		dropped = len(findings) - limit
		findings = findings[:limit]
	}
	for i := range findings {
		out.AddResult(sarifResult(&findings[i], index[findings[i].RuleID], run, o))
	}

	inv := sarif.NewInvocation().WithExecutionSuccessful(true)
	if !run.StartedAt.IsZero() {
		inv.WithStartTimeUtc(run.StartedAt.UTC().Format(time.RFC3339Nano))
	}
	if !run.FinishedAt.IsZero() {
		inv.WithEndTimeUtc(run.FinishedAt.UTC().Format(time.RFC3339Nano))
	}
	totalDropped := dropped + run.Dropped
	if totalDropped > 0 {
		msg := fmt.Sprintf("%s dropped to respect the SARIF limit of %d results per run; the most severe are kept.",
			plural(totalDropped, "result"), limit)
		if run.Dropped > 0 && dropped == 0 {
			msg = fmt.Sprintf("%s left out by the engine to respect an output limit.", plural(totalDropped, "finding"))
		}
		inv.AddToolExecutionNotification(sarif.NewNotification().WithLevel(sarif.LevelWarning).
			WithMessage(sarif.NewTextMessage(msg)).WithDescriptor(sarif.NewReportingDescriptorReference().WithID("escarp/dropped")))
	}
	for _, n := range run.Notes {
		inv.AddToolExecutionNotification(sarif.NewNotification().WithLevel(sarif.LevelNote).WithMessage(sarif.NewTextMessage(n)))
	}
	out.AddInvocation(inv)

	props := sarif.NewPropertyBag()
	props.Add("engine", run.Engine)
	if run.Target != "" {
		props.Add("target", redactTarget(run.Target))
	}
	if run.Spec != "" {
		props.Add("spec", redactTarget(run.Spec))
	}
	if totalDropped > 0 {
		props.Add("dropped", totalDropped)
	}
	if run.Score != nil {
		props.Add("score", run.Score)
	}
	if len(run.Stats) > 0 {
		props.Add("stats", run.Stats)
	}
	out.WithProperties(props)
	return out
}

func sarifRule(ri escarp.RuleInfo) *sarif.ReportingDescriptor {
	title := cmpOr(ri.Title, ri.ID)
	d := sarif.NewRule(ri.ID).WithName(ruleName(ri))
	d.WithShortDescription(sarif.NewMultiformatMessageString().WithText(title))
	full := cmpOr(plainText(ri.Description), title)
	d.WithFullDescription(sarif.NewMultiformatMessageString().WithText(full))
	help := strings.TrimSpace(ri.Remediation)
	if help == "" {
		help = cmpOr(strings.TrimSpace(ri.Description), title)
	}
	d.WithHelp(sarif.NewMultiformatMessageString().WithText(plainText(help)).WithMarkdown(help))
	if ri.HelpURI != "" {
		d.WithHelpURI(ri.HelpURI)
	}
	d.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(ri.Severity.SARIFLevel()))
	props := sarif.NewPropertyBag()
	props.Tags = ruleSARIFTags(ri)
	props.Add("security-severity", fmt.Sprintf("%.1f", ri.Severity.SecurityScore()))
	props.Add("explain", "escarp explain "+ri.ID)
	if ri.Lesson != "" {
		props.Add("lesson", "escarp learn show "+ri.Lesson)
	}
	d.WithProperties(props)
	return d
}

// ruleSARIFTags returns "security", the OWASP id and the CWE ids of a rule,
// then its own tags, without duplicates.
func ruleSARIFTags(ri escarp.RuleInfo) []string {
	tags := []string{"security"}
	if ri.OWASP != "" {
		tags = append(tags, ri.OWASP)
	}
	tags = append(tags, ri.CWE...)
	for _, t := range ri.Tags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// ruleName turns a rule title into a SARIF rule name:
// "Operation has no security" → "OperationHasNoSecurity".
func ruleName(ri escarp.RuleInfo) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(ri.Title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	if b.Len() == 0 {
		return ri.ID
	}
	return b.String()
}

func sarifResult(f *escarp.Finding, ruleIndex int, run *escarp.Run, o Options) *sarif.Result {
	res := sarif.NewRuleResult(f.RuleID).WithRuleIndex(ruleIndex).WithLevel(f.Severity.SARIFLevel()).WithKind("fail")
	msg := cmpOr(f.Message, f.Title, f.RuleID)
	res.WithMessage(sarif.NewTextMessage(msg))
	res.WithRank(f.Severity.SecurityScore() * 10)

	loc := sarif.NewLocation()
	if pl := physicalLocation(f.Location, run, o); pl != nil {
		loc.WithPhysicalLocation(pl)
	}
	if op := f.Location.Operation(); op != "" {
		ll := sarif.NewLogicalLocation().WithFullyQualifiedName(op).WithName(f.Location.Path).WithKind("function")
		loc.AddLogicalLocation(ll)
	}
	if loc.PhysicalLocation != nil || len(loc.LogicalLocations) > 0 {
		res.AddLocation(loc)
	}

	if ev := f.Evidence; ev != nil {
		if ev.Request != nil {
			res.WithWebRequest(webRequest(ev.Request))
		}
		if ev.Response != nil {
			res.WithWebResponse(webResponse(ev.Response))
		}
	}
	for _, flow := range f.Flows {
		if len(flow) == 0 {
			continue
		}
		tf := sarif.NewThreadFlow()
		for _, step := range flow {
			l := sarif.NewLocation()
			if pl := physicalLocation(step, run, o); pl != nil {
				l.WithPhysicalLocation(pl)
			}
			if step.Message != "" {
				l.WithMessage(sarif.NewTextMessage(step.Message))
			}
			tf.AddLocation(sarif.NewThreadFlowLocation().WithLocation(l))
		}
		res.AddCodeFlow(sarif.NewCodeFlow().WithThreadFlows([]*sarif.ThreadFlow{tf}))
	}
	res.PartialFingerprints = map[string]string{FingerprintKey: f.Fingerprint}

	props := sarif.NewPropertyBag()
	for k, v := range f.Properties {
		props.Add(k, v)
	}
	props.Add("confidence", f.Confidence.String())
	props.Add("severity", f.Severity.String())
	if f.Reproducer != "" {
		props.Add("reproducer", f.Reproducer)
	}
	if f.Evidence != nil && f.Evidence.Note != "" {
		props.Add("evidence", f.Evidence.Note)
	}
	if f.Location.Param != "" {
		props.Add("parameter", f.Location.Param)
	}
	if f.Location.Pointer != "" {
		props.Add("pointer", f.Location.Pointer)
	}
	if f.Package != nil {
		props.Add("package", *f.Package)
	}
	if len(f.References) > 0 {
		props.Add("references", f.References)
	}
	res.WithProperties(props)

	if s := f.Suppressed; s != nil {
		kind := "external"
		if s.Kind == "inline" {
			kind = "inSource"
		}
		sup := sarif.NewSuppression().WithKind(kind).WithStatus("accepted")
		if j := suppressionText(s); j != "" {
			sup.WithJustification(j)
		}
		res.WithSuppressions([]*sarif.Suppression{sup})
	}
	return res
}

// physicalLocation places l in a file: its own file and position, else
// line 1 of the run's spec (or of the config file) for findings with no
// element. It returns nil when there is no file to point at.
func physicalLocation(l escarp.Location, run *escarp.Run, o Options) *sarif.PhysicalLocation {
	file, line, col := l.File, l.Line, l.Column
	if file == "" {
		line, col = 1, 0
		switch {
		case run.Spec != "" && !isURL(run.Spec):
			file = run.Spec
		case o.ConfigFile != "":
			file = o.ConfigFile
		case run.Spec != "":
			file = run.Spec
		default:
			return nil
		}
	}
	uri, relative := o.RelativeURI(file)
	al := sarif.NewArtifactLocation().WithURI(uri)
	if relative {
		al.WithURIBaseID(srcRoot)
	}
	region := sarif.NewRegion().WithStartLine(max(line, 1))
	if col > 0 {
		region.WithStartColumn(col)
	}
	if l.EndLine >= max(line, 1) {
		region.WithEndLine(l.EndLine)
	}
	if l.EndColumn > 0 && (l.EndLine > 0 || col > 0) {
		region.WithEndColumn(l.EndColumn)
	}
	if l.Snippet != "" && l.File != "" {
		region.WithSnippet(sarif.NewArtifactContent().WithText(l.Snippet))
	}
	return sarif.NewPhysicalLocation().WithArtifactLocation(al).WithRegion(region)
}

// RelativeURI returns the URI of file for a SARIF artifact location and
// whether it is relative to BaseDir (uriBaseId %SRCROOT%). Relative names
// are taken relative to WorkDir (or BaseDir); files outside BaseDir get an
// absolute file:// URI, and URLs are returned as they are.
func (o Options) RelativeURI(file string) (uri string, relative bool) {
	if isURL(file) {
		return redactTarget(file), false
	}
	if o.BaseDir == "" {
		if filepath.IsAbs(file) {
			return fileURI(file), false
		}
		return escapePath(filepath.ToSlash(filepath.Clean(file))), true
	}
	abs := file
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cmpOr(o.WorkDir, o.BaseDir), file)
	}
	base, err := filepath.Abs(o.BaseDir)
	if err == nil {
		abs, err = filepath.Abs(abs)
	}
	if err == nil {
		rel, rerr := filepath.Rel(base, abs)
		if rerr == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return escapePath(filepath.ToSlash(rel)), true
		}
	}
	return fileURI(abs), false
}

func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x → /C:/x
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(u.Scheme) > 1 && u.Host != ""
}

// redactTarget redacts a URL and leaves a path alone.
func redactTarget(s string) string {
	if isURL(s) {
		return redact.RawURL(s)
	}
	return s
}

func webRequest(m *escarp.HTTPMessage) *sarif.WebRequest {
	wr := sarif.NewWebRequest()
	if m.Method != "" {
		wr.WithMethod(m.Method)
	}
	if m.URL != "" {
		wr.WithTarget(m.URL)
	}
	wr.WithProtocol("HTTP")
	if h := flatHeader(m.Header); h != nil {
		wr.WithHeaders(h)
	}
	if m.Body != "" {
		wr.WithBody(sarif.NewArtifactContent().WithText(m.Body))
	}
	return wr
}

func webResponse(m *escarp.HTTPMessage) *sarif.WebResponse {
	wr := sarif.NewWebResponse()
	wr.WithProtocol("HTTP")
	if m.Status > 0 {
		wr.WithStatusCode(m.Status)
		if t := http.StatusText(m.Status); t != "" {
			wr.WithReasonPhrase(t)
		}
	}
	if h := flatHeader(m.Header); h != nil {
		wr.WithHeaders(h)
	}
	if m.Body != "" {
		wr.WithBody(sarif.NewArtifactContent().WithText(m.Body))
	}
	if m.Truncated {
		wr.WithProperties(sarif.NewPropertyBag().Add("truncated", true))
	}
	return wr
}

func flatHeader(h map[string][]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ", ")
	}
	return out
}

// plainText strips the most common Markdown markup so that text fields read
// well where Markdown is not rendered.
func plainText(md string) string {
	r := strings.NewReplacer("**", "", "__", "", "`", "")
	return strings.TrimSpace(r.Replace(md))
}

func isSemver(v string) bool {
	v = strings.TrimPrefix(v, "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts[:2] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return parts[2] != "" && parts[2][0] >= '0' && parts[2][0] <= '9'
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
