// Package sca finds vulnerable dependencies: it reads the lockfiles and
// manifests of a source tree through osv-scanner's library (osv-scalibr's
// extractors), matches every package against OSV advisories, online through
// osv.dev or offline from a directory of OSV JSON files, and for Go modules
// runs govulncheck to tell a vulnerable symbol that is called from one that
// is merely imported or not imported at all. It also writes a CycloneDX SBOM
// of every package found.
//
// Process-wide side effects: osv-scanner keeps its logger in a global, so
// Scan installs its own capturing handler (osvscanner.SetLogger) for the
// duration of a call and serialises calls. Scan never changes environment
// variables: the offline database is passed explicitly as LocalDBPath.
package sca

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/pathglob"
	"github.com/gobwas/glob"
	"github.com/google/osv-scanner/v2/pkg/models"
	"github.com/google/osv-scanner/v2/pkg/osvscanner"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
)

// Options configures [Scan].
type Options struct {
	// OfflineDB is a directory of OSV JSON files, searched recursively (such
	// as ../shared/corpus/osv). Empty means matching online through osv.dev.
	OfflineDB string
	// Offline forbids every network access (transitive resolution of Maven
	// and Python manifests through deps.dev included). It requires OfflineDB.
	Offline bool
	// NoReachability skips govulncheck's call analysis of Go modules: Go
	// advisories are then reported at their full severity.
	NoReachability bool
	// Exclude are internal/pathglob globs relative to the root ("vendor",
	// "testdata", "web/node_modules"); "g:GLOB" and "r:REGEXP" are
	// osv-scanner's own forms, matched against the slash-separated path
	// relative to the root.
	Exclude []string
	// CacheDir keeps the databases prepared from OfflineDB between runs;
	// empty means os.UserCacheDir()/escarp/osv.
	CacheDir string
}

// Component is one package found, with where it was found, for the SBOM.
type Component struct {
	Package escarp.Package `json:"package"`
	// PURL is the package URL (pkg:npm/ws@5.2.3).
	PURL string `json:"purl"`
	// Files are the lockfiles or manifests naming it, relative to the root.
	Files []string `json:"files"`
}

// Result is what [Scan] found.
type Result struct {
	// Run holds the findings, one per advisory group and package and file.
	Run *escarp.Run
	// Packages lists every distinct package found, sorted.
	Packages []escarp.Package
	// Components are the same packages with their purl and files.
	Components []Component
}

// scanMu serialises Scan: osv-scanner keeps its logger in a global.
var scanMu sync.Mutex

// Scan finds the vulnerable dependencies of the source tree at root.
func Scan(ctx context.Context, root string, opt Options) (*Result, error) {
	const op = "sca.Scan"
	run := &escarp.Run{Engine: escarp.EngineCode, Target: root, StartedAt: time.Now().UTC(),
		Stats: map[string]int64{}, Rules: []escarp.RuleInfo{}, Findings: []escarp.Finding{}}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "bad path " + root, Err: err}
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "cannot read " + root, Err: err}
	} else if !fi.IsDir() {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: root + " is not a directory"}
	}
	if opt.Offline && opt.OfflineDB == "" {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid,
			Message: "offline mode needs a directory of OSV JSON files (--offline-db DIR)", Err: errNoOfflineDB}
	}
	if err := ctx.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "interrupted", Err: err}
	}

	var (
		db     *offlineDB
		verify <-chan string
		cache  = opt.CacheDir
	)
	if opt.OfflineDB != "" {
		if cache == "" {
			cache = defaultCacheRoot()
		}
		db, verify, err = openOfflineDB(ctx, opt.OfflineDB, cache)
		if err != nil {
			return nil, prepareError(ctx, err)
		}
	}
	out, err := runOSVScanner(ctx, scannerActions(abs, opt, db.dir()))
	if err != nil {
		return nil, err
	}
	if verify != nil && <-verify != db.Key {
		// The directory changed since this process last prepared it: the
		// scan ran against a stale database and is done again.
		forgetPrepared(opt.OfflineDB, cache)
		if db, _, err = openOfflineDB(ctx, opt.OfflineDB, cache); err != nil {
			return nil, prepareError(ctx, err)
		}
		if out, err = runOSVScanner(ctx, scannerActions(abs, opt, db.dir())); err != nil {
			return nil, err
		}
	}
	if db != nil {
		run.Notes = append(run.Notes, db.Notes...)
		run.Stats["advisories"] = int64(db.Records)
	}
	vr, logged, err := out.vr, out.logged, out.err
	switch {
	case errors.Is(err, osvscanner.ErrNoPackagesFound):
		run.Notes = append(run.Notes, "no lockfile or manifest with packages found")
		err = nil
	case errors.Is(err, osvscanner.ErrVulnerabilitiesFound):
		err = nil
	}
	if err != nil {
		if opt.OfflineDB == "" {
			return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable,
				Message: fmt.Sprintf("cannot reach osv.dev: %v; use --offline-db DIR", err), Err: err}
		}
		return nil, &escarp.Error{Op: op, Message: "dependency scan failed", Err: err}
	}
	for _, m := range logged {
		switch {
		case strings.Contains(m, "vulnmatch/osvdev"):
			return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable,
				Message: fmt.Sprintf("cannot reach osv.dev: %s; use --offline-db DIR", m)}
		case strings.Contains(m, "vulnmatch/osvlocal"):
			return nil, &escarp.Error{Op: op, Message: "matching against the offline database failed: " + m}
		}
		// osv-scalibr names files relative to "/": name them relative
		// to the root, as findings do.
		m = strings.ReplaceAll(m, strings.TrimPrefix(filepath.ToSlash(abs), "/")+"/", "")
		run.Notes = append(run.Notes, "osv-scanner: "+m)
	}
	if err := ctx.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "interrupted", Err: err}
	}

	res := &Result{Run: run}
	conv := newConverter(abs, opt.Exclude)
	for _, src := range vr.Results {
		conv.addSource(src)
	}
	conv.selectGoVersions(ctx)
	if !opt.NoReachability {
		conv.reachability(ctx, opt.Offline)
	}
	conv.finish(res)
	run.FinishedAt = time.Now().UTC()
	return res, nil
}

// prepareError wraps a failure to prepare the offline database.
func prepareError(ctx context.Context, err error) error {
	const op = "sca.Scan"
	if ctx.Err() != nil {
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "interrupted", Err: ctx.Err()}
	}
	if escarp.KindOf(err) != escarp.Internal {
		return err
	}
	return &escarp.Error{Op: op, Message: "prepare the offline database", Err: err}
}

// scanOutcome is what one osv-scanner call returned.
type scanOutcome struct {
	vr     models.VulnerabilityResults
	logged []string
	err    error
}

// runOSVScanner calls osv-scanner, which takes no context: on cancellation
// it returns at once and the library's scan finishes in the background.
func runOSVScanner(ctx context.Context, actions osvscanner.ScannerActions) (scanOutcome, error) {
	done := make(chan scanOutcome, 1)
	go func() {
		vr, logged, err := doScan(actions)
		done <- scanOutcome{vr, logged, err}
	}()
	select {
	case out := <-done:
		return out, nil
	case <-ctx.Done():
		return scanOutcome{}, &escarp.Error{Op: "sca.Scan", Kind: escarp.Unavailable, Message: "interrupted", Err: ctx.Err()}
	}
}

// scannerActions is how escarp drives osv-scanner for the tree at abs;
// dbDir is the prepared offline database, or "" to match online.
func scannerActions(abs string, opt Options, dbDir string) osvscanner.ScannerActions {
	actions := osvscanner.ScannerActions{
		DirectoryPaths:  []string{abs},
		Recursive:       true,
		ShowAllPackages: true,
		// Go call analysis runs after the scan, with escarp's own reading of
		// govulncheck's result (called, imported, not imported).
		CallAnalysisStates: map[string]bool{"go": false, "rust": false},
	}
	actions.ExcludePatterns = excludePatterns(abs, opt.Exclude)
	if dbDir != "" {
		actions.CompareOffline = true
		actions.DownloadDatabases = false
		actions.LocalDBPath = dbDir
	}
	if opt.Offline {
		actions.PluginNetworkDisabled = true
		actions.TransitiveScanning.Disabled = true
	}
	return actions
}

// excludePatterns translates escarp's exclusions (internal/pathglob's
// globs, relative to the root at abs) into osv-scanner's glob patterns,
// which osv-scalibr applies to paths relative to the file system root
// ("work/app/vendor"). A glob without a slash names a file or directory at
// any depth; one with a slash is anchored at the root; both exclude what
// lies beneath. Findings are filtered with pathglob afterwards too, so the
// translation only has to be fast, not exact. "g:" and "r:" patterns are
// passed through, anchored at the root.
func excludePatterns(abs string, ex []string) []string {
	base := glob.QuoteMeta(strings.TrimPrefix(filepath.ToSlash(abs), "/"))
	var out []string
	for _, e := range ex {
		switch {
		case strings.HasPrefix(e, "g:"):
			pat := strings.TrimPrefix(strings.TrimPrefix(e, "g:"), "/")
			out = append(out, "g:"+base+"/"+pat)
		case strings.HasPrefix(e, "r:"):
			pat := strings.TrimPrefix(strings.TrimPrefix(e, "r:"), "^")
			out = append(out, "r:^"+regexp.QuoteMeta(strings.TrimPrefix(filepath.ToSlash(abs), "/"))+"/(?:"+pat+")")
		default:
			pat := strings.TrimSuffix(strings.Trim(strings.TrimPrefix(filepath.ToSlash(e), "./"), "/"), "/**")
			if pat == "" {
				continue
			}
			if strings.Contains(pat, "/") {
				out = append(out, "g:"+base+"/"+pat, "g:"+base+"/"+pat+"/**")
			} else {
				out = append(out, "g:"+base+"/"+pat, "g:"+base+"/"+pat+"/**",
					"g:"+base+"/**/"+pat, "g:"+base+"/**/"+pat+"/**")
			}
		}
	}
	return out
}

// doScan calls osv-scanner with escarp's logger installed.
// A panic inside the libraries, on input they did not expect, becomes an
// error.
func doScan(actions osvscanner.ScannerActions) (vr models.VulnerabilityResults, logged []string, err error) {
	scanMu.Lock()
	defer scanMu.Unlock()
	h := newCaptureHandler()
	osvscanner.SetLogger(h)
	defer osvscanner.SetLogger(discardHandler{})
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("osv-scanner panicked: %v", p)
		}
	}()
	vr, err = osvscanner.DoScan(actions)
	return vr, h.messages(), err
}

// discardHandler drops every log record; it is left installed between
// calls so that nothing the libraries log reaches the terminal.
type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }

// Rules returns nothing: SCA rule ids are advisory ids, known only once a
// scan has matched them; each [escarp.Run] lists those it reports.
func Rules() []escarp.RuleInfo { return nil }

// source is one lockfile with its packages.
type source struct {
	abs, rel string
	lines    []string
	pkgs     []models.PackageVulns
}

// converter turns osv-scanner's results into escarp findings.
type converter struct {
	root    string
	exclude pathglob.Set
	sources []*source
	// results holds govulncheck's verdicts per go.mod analysed.
	results map[*source]*govulnResult
	notes   []string
}

func newConverter(root string, exclude []string) *converter {
	return &converter{root: root, exclude: exclude}
}

func (c *converter) addSource(ps models.PackageSource) {
	p := filepath.FromSlash(ps.Source.Path)
	if !filepath.IsAbs(p) {
		p = string(filepath.Separator) + p
	}
	rel, err := filepath.Rel(c.root, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = p
	}
	if c.exclude.Match(filepath.ToSlash(rel)) {
		return
	}
	s := &source{abs: p, rel: filepath.ToSlash(rel), pkgs: ps.Packages}
	if b, err := os.ReadFile(p); err == nil {
		s.lines = strings.Split(string(b), "\n")
	}
	c.sources = append(c.sources, s)
}

// selectGoVersions keeps, for each Go module, only the module versions its
// build selects (see [selectGo]): go.sum entries for other versions are
// dropped, and a version that go.mod names is reported there, once.
func (c *converter) selectGoVersions(ctx context.Context) {
	byDir := map[string]*goSelection{}
	failed := map[string]bool{}
	selection := func(dir string) *goSelection {
		if g, ok := byDir[dir]; ok || failed[dir] {
			return g
		}
		g, err := selectGo(ctx, filepath.Join(dir, "go.mod"))
		if err != nil {
			failed[dir] = true
			return nil
		}
		byDir[dir] = g
		if g.note != "" {
			c.notes = append(c.notes, g.note)
		}
		return g
	}
	inGoMod := map[string]map[string]bool{} // dir → "module@version" reported in go.mod
	for _, s := range c.sources {
		if filepath.Base(s.abs) != "go.mod" {
			continue
		}
		dir := filepath.Dir(s.abs)
		g := selection(dir)
		if g == nil {
			continue
		}
		inGoMod[dir] = map[string]bool{}
		s.pkgs = slices.DeleteFunc(s.pkgs, func(pv models.PackageVulns) bool {
			if !g.selects(pv.Package.Name, pv.Package.Version) {
				return true
			}
			inGoMod[dir][pv.Package.Name+"@"+pv.Package.Version] = true
			return false
		})
	}
	for _, s := range c.sources {
		if filepath.Base(s.abs) != "go.sum" {
			continue
		}
		dir := filepath.Dir(s.abs)
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			continue
		}
		g := selection(dir)
		if g == nil {
			continue
		}
		s.pkgs = slices.DeleteFunc(s.pkgs, func(pv models.PackageVulns) bool {
			return !g.selects(pv.Package.Name, pv.Package.Version) || inGoMod[dir][pv.Package.Name+"@"+pv.Package.Version]
		})
	}
}

func (c *converter) finish(res *Result) {
	run := res.Run
	run.Notes = append(run.Notes, c.notes...)
	comps := map[escarp.Package]*Component{}
	rules := map[string]escarp.RuleInfo{}
	for _, s := range c.sources {
		for _, pv := range s.pkgs {
			pkg := escarp.Package{Ecosystem: pv.Package.Ecosystem, Name: pv.Package.Name, Version: pv.Package.Version}
			if pkg.Name == "" {
				continue
			}
			comp := comps[pkg]
			if comp == nil {
				comp = &Component{Package: pkg, PURL: purl(pv.Package)}
				comps[pkg] = comp
			}
			if !slices.Contains(comp.Files, s.rel) {
				comp.Files = append(comp.Files, s.rel)
			}
			for _, g := range pv.Groups {
				f, rule := c.finding(s, pv, g)
				if f == nil {
					continue
				}
				run.Findings = append(run.Findings, *f)
				if old, ok := rules[rule.ID]; !ok || rule.Severity > old.Severity {
					rules[rule.ID] = rule
				}
			}
		}
	}
	for _, comp := range comps {
		sort.Strings(comp.Files)
		res.Components = append(res.Components, *comp)
	}
	sort.Slice(res.Components, func(i, j int) bool { return pkgLess(res.Components[i].Package, res.Components[j].Package) })
	for _, comp := range res.Components {
		res.Packages = append(res.Packages, comp.Package)
	}
	for _, r := range rules {
		run.Rules = append(run.Rules, r)
	}
	sort.Slice(run.Rules, func(i, j int) bool { return run.Rules[i].ID < run.Rules[j].ID })
	sort.SliceStable(run.Findings, func(i, j int) bool {
		a, b := run.Findings[i], run.Findings[j]
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		return a.RuleID < b.RuleID
	})
	run.Stats["lockfiles"] = int64(len(c.sources))
	run.Stats["packages"] = int64(len(res.Packages))
	run.Stats["findings"] = int64(len(run.Findings))
}

func pkgLess(a, b escarp.Package) bool {
	if a.Ecosystem != b.Ecosystem {
		return a.Ecosystem < b.Ecosystem
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Version < b.Version
}

// finding builds the finding for one advisory group of one package.
func (c *converter) finding(s *source, pv models.PackageVulns, g models.GroupInfo) (*escarp.Finding, escarp.RuleInfo) {
	var vulns []*osvschema.Vulnerability
	for _, v := range pv.Vulnerabilities {
		if slices.Contains(g.IDs, v.GetId()) {
			vulns = append(vulns, v)
		}
	}
	if len(vulns) == 0 {
		return nil, escarp.RuleInfo{}
	}
	eco := pv.Package.Ecosystem
	primary := primaryVuln(vulns, eco)
	id := primary.GetId()

	sev := escarp.SeverityInfo
	for _, v := range vulns {
		sev = max(sev, advisorySeverity(v))
	}
	var aliases []string
	for _, v := range vulns {
		for _, a := range append([]string{v.GetId()}, v.GetAliases()...) {
			if a != id && !slices.Contains(aliases, a) {
				aliases = append(aliases, a)
			}
		}
	}
	sort.Strings(aliases)

	pkg := &escarp.Package{Ecosystem: eco, Name: pv.Package.Name, Version: pv.Package.Version}
	pkg.FixedIn = fixedVersion(vulns, eco, pkg.Name, pkg.Version)
	line, snippet := findPackageLine(s.lines, eco, pkg.Name, pkg.Version)

	title := strings.TrimSpace(primary.GetSummary())
	if title == "" {
		title = fmt.Sprintf("Vulnerability %s in %s", id, pkg.Name)
	}
	display := displayVersion(eco, pkg.Version)
	msg := fmt.Sprintf("%s %s (%s) is affected by %s", pkg.Name, display, eco, id)
	if s := strings.TrimSpace(primary.GetSummary()); s != "" {
		msg += ": " + s
	}
	if pkg.FixedIn != "" {
		msg += fmt.Sprintf(". Fixed in %s.", displayVersion(eco, pkg.FixedIn))
	} else {
		msg += ". No fixed version is published."
	}
	props := map[string]string{"advisorySeverity": sev.String()}
	if len(aliases) > 0 {
		props["aliases"] = strings.Join(aliases, ",")
	}
	if ri, ok := c.reachFor(s, pv.Package, vulns); ok {
		props["reachability"] = ri.verdict
		switch ri.verdict {
		case reachImportedNotCalled, reachNotImported:
			sev = escarp.SeverityInfo
		}
		if ri.why != "" {
			msg += " " + ri.why
		}
	}

	var remediation string
	if pkg.FixedIn != "" {
		remediation = fmt.Sprintf("Upgrade %s to %s or later.%s", pkg.Name, displayVersion(eco, pkg.FixedIn), upgradeHint(eco, pkg.Name, pkg.FixedIn))
	} else {
		remediation = fmt.Sprintf("No fixed version of %s is published for %s: remove the dependency, replace it, or mitigate as the advisory describes.", pkg.Name, id)
	}
	refs := []string{"https://osv.dev/vulnerability/" + id}
	for _, r := range primary.GetReferences() {
		if u := r.GetUrl(); u != "" && !slices.Contains(refs, u) && len(refs) < 12 {
			refs = append(refs, u)
		}
	}
	cwes := cweIDs(vulns)
	f := &escarp.Finding{
		RuleID:      id,
		Title:       title,
		Kind:        escarp.KindSCA,
		Severity:    sev,
		Confidence:  escarp.ConfidenceHigh,
		CWE:         cwes,
		Message:     msg,
		Location:    escarp.Location{File: s.rel, Line: line, Snippet: redactSnippet(snippet)},
		Remediation: remediation,
		References:  refs,
		Package:     pkg,
		Properties:  props,
	}
	f.SetFingerprint()
	desc := strings.TrimSpace(primary.GetDetails())
	if len(desc) > 4000 {
		desc = desc[:4000] + "…"
	}
	rule := escarp.RuleInfo{
		ID:          id,
		Title:       title,
		Description: desc,
		Remediation: remediation,
		Severity:    advisorySeverity(primary),
		CWE:         cwes,
		HelpURI:     "https://osv.dev/vulnerability/" + id,
		Tags:        []string{"sca", "dependency", eco},
	}
	return f, rule
}

// primaryVuln picks the advisory that names a group: the ecosystem's own
// database first (GO- for Go), then GitHub's, then the smallest id.
func primaryVuln(vulns []*osvschema.Vulnerability, eco string) *osvschema.Vulnerability {
	rank := func(id string) int {
		switch {
		case eco == "Go" && strings.HasPrefix(id, "GO-"),
			eco == "PyPI" && strings.HasPrefix(id, "PYSEC-"),
			eco == "crates.io" && strings.HasPrefix(id, "RUSTSEC-"):
			return 0
		case strings.HasPrefix(id, "GHSA-"):
			return 1
		case strings.HasPrefix(id, "CVE-"):
			return 3
		}
		return 2
	}
	best := vulns[0]
	for _, v := range vulns[1:] {
		rb, rv := rank(best.GetId()), rank(v.GetId())
		if rv < rb || rv == rb && v.GetId() < best.GetId() {
			best = v
		}
	}
	return best
}

// cweIDs collects database_specific.cwe_ids (GitHub advisories).
func cweIDs(vulns []*osvschema.Vulnerability) []string {
	var out []string
	for _, v := range vulns {
		ds := v.GetDatabaseSpecific()
		if ds == nil {
			continue
		}
		lv := ds.GetFields()["cwe_ids"].GetListValue()
		for _, x := range lv.GetValues() {
			if s := x.GetStringValue(); strings.HasPrefix(s, "CWE-") && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// displayVersion writes a version as the ecosystem's users write it: Go
// module versions take a "v".
func displayVersion(eco, v string) string {
	if eco == "Go" && v != "" && !strings.HasPrefix(v, "v") {
		return "v" + v
	}
	return v
}

// upgradeHint is the command that upgrades name in the ecosystem, as Markdown.
func upgradeHint(eco, name, fixed string) string {
	var cmd string
	switch eco {
	case "Go":
		cmd = fmt.Sprintf("go get %s@%s && go mod tidy", name, displayVersion(eco, fixed))
	case "npm":
		cmd = fmt.Sprintf("npm install %s@%s", name, fixed)
	case "PyPI":
		cmd = fmt.Sprintf("pip install '%s>=%s'", name, fixed)
	case "crates.io":
		cmd = fmt.Sprintf("cargo update -p %s --precise %s", name, fixed)
	case "RubyGems":
		cmd = fmt.Sprintf("bundle update %s", name)
	case "Packagist":
		cmd = fmt.Sprintf("composer require %s:^%s", name, strings.TrimPrefix(fixed, "v"))
	default:
		return ""
	}
	return "\n\n```sh\n" + cmd + "\n```"
}
