package sca

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ossf/osv-schema/bindings/go/osvschema"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/escarp/escarp"
)

// Advisory is an OSV advisory as `escarp explain` shows it.
type Advisory struct {
	ID       string          `json:"id"`
	Aliases  []string        `json:"aliases,omitempty"`
	Summary  string          `json:"summary"`
	Details  string          `json:"details"`
	Severity escarp.Severity `json:"severity"`
	// Packages are the affected packages ("Go example.com/vulnlib").
	Packages []string `json:"packages"`
}

// LookupAdvisory finds the advisory id (or one with id among its aliases)
// in dir, a directory of OSV JSON records searched recursively. An id that
// is not there is a NotFound error (exit 2): escarp knows advisories only
// from the database.
func LookupAdvisory(dir, id string) (*Advisory, error) {
	var found *Advisory
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != nil || !strings.HasSuffix(d.Name(), ".json") {
			return err
		}
		b, err := os.ReadFile(path) // #nosec G122 G304 -- reads the advisory directory the user named with --offline-db
		if err != nil || !bytes.Contains(bytes.ToUpper(b), []byte(strings.ToUpper(id))) {
			return nil
		}
		var v osvschema.Vulnerability
		if (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &v) != nil {
			return nil
		}
		match := strings.EqualFold(v.GetId(), id)
		for _, a := range v.GetAliases() {
			match = match || strings.EqualFold(a, id)
		}
		if !match {
			return nil
		}
		found = &Advisory{ID: v.GetId(), Aliases: v.GetAliases(), Summary: v.GetSummary(), Details: v.GetDetails(), Severity: advisorySeverity(&v)}
		for _, a := range v.GetAffected() {
			if p := a.GetPackage(); p != nil {
				found.Packages = append(found.Packages, strings.TrimSpace(p.GetEcosystem()+" "+p.GetName()))
			}
		}
		return fs.SkipAll
	})
	if err != nil {
		return nil, &escarp.Error{Op: "sca.LookupAdvisory", Kind: escarp.Invalid, Message: "cannot read the advisory database " + dir, Err: err}
	}
	if found == nil {
		return nil, &escarp.Error{Op: "sca.LookupAdvisory", Kind: escarp.NotFound,
			Message: fmt.Sprintf("no advisory %s in %s", id, dir)}
	}
	return found, nil
}
