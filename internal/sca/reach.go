package sca

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/osv-scanner/v2/pkg/models"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
	"golang.org/x/vuln/scan"
	"google.golang.org/protobuf/encoding/protojson"
)

// The reachability verdicts, as found in Finding.Properties["reachability"].
const (
	reachCalled            = "called"
	reachImportedNotCalled = "imported-not-called"
	reachNotImported       = "not-imported"
	reachUnknown           = "unknown"
)

// reachInfo is the verdict for one advisory group in one go.mod.
type reachInfo struct {
	verdict string
	why     string
}

// govulnResult is what govulncheck said about one go.mod: the deepest level
// it reached per advisory id (1 module, 2 package, 3 symbol) and the first
// symbol or package it named.
type govulnResult struct {
	failed string // why the analysis could not run, or ""
	level  map[string]int
	what   map[string]string
}

// reachability runs govulncheck on every go.mod that has Go advisories.
func (c *converter) reachability(ctx context.Context, offline bool) {
	for _, s := range c.sources {
		if filepath.Base(s.abs) != "go.mod" {
			continue
		}
		var vulns []*osvschema.Vulnerability
		seen := map[string]bool{}
		for _, pv := range s.pkgs {
			for _, v := range pv.Vulnerabilities {
				if !seen[v.GetId()] && pv.Package.Ecosystem == "Go" {
					seen[v.GetId()] = true
					vulns = append(vulns, v)
				}
			}
		}
		if len(vulns) == 0 {
			continue
		}
		r := runGovulncheck(ctx, filepath.Dir(s.abs), vulns, offline)
		if r.failed != "" {
			c.notes = append(c.notes, fmt.Sprintf("reachability of %s not analysed: %s; its Go advisories are reported at their full severity", s.rel, r.failed))
		}
		if c.results == nil {
			c.results = map[*source]*govulnResult{}
		}
		c.results[s] = r
	}
}

// reachFor is the verdict for the advisory group vulns in source s, and
// whether s was analysed at all.
func (c *converter) reachFor(s *source, pkg models.PackageInfo, vulns []*osvschema.Vulnerability) (reachInfo, bool) {
	r := c.results[s]
	if r == nil {
		return reachInfo{}, false
	}
	if r.failed != "" {
		return reachInfo{verdict: reachUnknown, why: "Reachability was not analysed: " + r.failed + "."}, true
	}
	level, what, symbols := 0, "", false
	for _, v := range vulns {
		if l := r.level[v.GetId()]; l > level {
			level, what = l, r.what[v.GetId()]
		}
		symbols = symbols || hasSymbolInfo(v, pkg.Name)
	}
	switch {
	case level >= 3:
		return reachInfo{verdict: reachCalled, why: fmt.Sprintf("govulncheck: the vulnerable symbol %s is called from this module.", what)}, true
	case !symbols:
		return reachInfo{verdict: reachUnknown, why: "govulncheck cannot tell whether it is called: the advisory names no vulnerable package or symbol."}, true
	case level == 2:
		return reachInfo{verdict: reachImportedNotCalled, why: fmt.Sprintf("govulncheck: the vulnerable package %s is imported but none of its vulnerable symbols is called; reported at info.", what)}, true
	default:
		return reachInfo{verdict: reachNotImported, why: "govulncheck: no vulnerable package of this module is imported; reported at info."}, true
	}
}

// hasSymbolInfo reports whether v lists, for module name, the vulnerable
// packages (ecosystem_specific.imports) that govulncheck needs to go beyond
// module level.
func hasSymbolInfo(v *osvschema.Vulnerability, name string) bool {
	for _, a := range v.GetAffected() {
		if a.GetPackage().GetName() != name {
			continue
		}
		if _, ok := a.GetEcosystemSpecific().GetFields()["imports"]; ok {
			return true
		}
	}
	return false
}

// runGovulncheck runs govulncheck in-process on the module in dir, against
// a database holding exactly vulns (a flat directory of OSV files, which
// govulncheck reads as a local database).
func runGovulncheck(ctx context.Context, dir string, vulns []*osvschema.Vulnerability, offline bool) *govulnResult {
	r := &govulnResult{level: map[string]int{}, what: map[string]string{}}
	db, err := os.MkdirTemp("", "escarp-govulndb-")
	if err != nil {
		r.failed = err.Error()
		return r
	}
	defer os.RemoveAll(db)
	for _, v := range vulns {
		b, err := protojson.Marshal(v)
		if err != nil {
			r.failed = fmt.Sprintf("encode %s: %v", v.GetId(), err)
			return r
		}
		if err := os.WriteFile(filepath.Join(db, safeName(v.GetId())+".json"), b, 0o600); err != nil {
			r.failed = err.Error()
			return r
		}
	}
	dbURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(db)}).String()
	cmd := scan.Command(ctx, "-db", dbURL, "-C", dir, "-format", "json", "-scan", "symbol", "./...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = govulncheckEnv(os.Environ(), offline)
	if err := cmd.Start(); err == nil {
		err = cmd.Wait()
		if err != nil {
			r.failed = firstLine(strings.TrimSpace(errb.String() + " " + err.Error()))
			return r
		}
	} else {
		r.failed = err.Error()
		return r
	}
	if err := parseGovulncheck(&out, r); err != nil {
		r.failed = "read govulncheck output: " + err.Error()
	}
	return r
}

// govulncheckEnv is the environment of the go command govulncheck runs: the
// toolchain in use (no toolchain download), and no module proxy offline.
func govulncheckEnv(env []string, offline bool) []string {
	has := func(k string) bool {
		for _, e := range env {
			if strings.HasPrefix(e, k+"=") {
				return true
			}
		}
		return false
	}
	env = append([]string(nil), env...)
	if !has("GOTOOLCHAIN") {
		env = append(env, "GOTOOLCHAIN=local")
	}
	if offline {
		env = append(env, "GOPROXY=off")
	}
	return env
}

// parseGovulncheck reads govulncheck's JSON stream into r.
func parseGovulncheck(rd io.Reader, r *govulnResult) error {
	dec := json.NewDecoder(rd)
	for i := 0; i < 1_000_000; i++ {
		var msg struct {
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct {
					Module   string `json:"module"`
					Package  string `json:"package"`
					Function string `json:"function"`
					Receiver string `json:"receiver"`
				} `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		f := msg.Finding
		if f == nil || f.OSV == "" || len(f.Trace) == 0 {
			continue
		}
		fr := f.Trace[0]
		level, what := 1, fr.Module
		switch {
		case fr.Function != "":
			level, what = 3, fr.Package+"."+fr.Function
			if fr.Receiver != "" {
				what = fr.Package + "." + strings.TrimPrefix(fr.Receiver, "*") + "." + fr.Function
			}
		case fr.Package != "":
			level, what = 2, fr.Package
		}
		if level > r.level[f.OSV] {
			r.level[f.OSV], r.what[f.OSV] = level, what
		}
	}
	return errors.New("too many messages")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
