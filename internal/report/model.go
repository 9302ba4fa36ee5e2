package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// A ModelFormat writes a model carried by a report (a threat model, for
// now) rather than its findings: Threagile YAML, OWASP Threat Dragon v2,
// Open Threat Model, Mermaid.
type ModelFormat func(w io.Writer, r *escarp.Report) error

// The model format names, as given to -o FORMAT:PATH.
const (
	FormatThreagile    = "threagile"
	FormatThreatDragon = "threatdragon"
	FormatOTM          = "otm"
	FormatMermaid      = "mermaid"
)

// modelFormats is the one registry of model formats. CycloneDX SBOMs
// (cyclonedx:PATH) are written by escarp code from the dependency scan,
// which the JSON report does not carry; they are named here so that every
// FORMAT: prefix is recognised in one place.
var modelFormats = map[string]ModelFormat{
	FormatThreagile:    writeThreagile,
	FormatThreatDragon: writeThreatDragon,
	FormatOTM:          writeOTM,
	FormatMermaid:      writeMermaid,
}

// FormatCycloneDX is the SBOM model format, written by escarp code.
const FormatCycloneDX = "cyclonedx"

// ModelNames returns the names of the model formats, sorted.
func ModelNames() []string {
	return slices.Sorted(maps.Keys(modelFormats))
}

// ParseModelOutput parses FORMAT:PATH when FORMAT is a model format
// (cyclonedx included). ok is false for anything else.
func ParseModelOutput(spec string) (out Output, ok bool, err error) {
	m := formatPrefix.FindStringSubmatch(spec)
	if m == nil || strings.HasPrefix(m[2], "//") {
		return Output{}, false, nil
	}
	name := strings.ToLower(m[1])
	if _, known := modelFormats[name]; !known && name != FormatCycloneDX {
		return Output{}, false, nil
	}
	if m[2] == "" {
		return Output{}, true, outputError("output %q: no path after %q", spec, m[1]+":")
	}
	return Output{Format: name, Path: m[2]}, true, nil
}

// LookupModel returns the named model format, or an error of kind
// Invalid.
func LookupModel(name string) (ModelFormat, error) {
	f, ok := modelFormats[strings.ToLower(name)]
	if !ok {
		return nil, &escarp.Error{Op: "report.LookupModel", Kind: escarp.Invalid,
			Message: fmt.Sprintf("unknown model format %q (want %s)", name, strings.Join(ModelNames(), ", "))}
	}
	return f, nil
}

// WriteModels writes each model output of r, creating parent
// directories. A report without a threat model is an input error.
func WriteModels(r *escarp.Report, outs []Output) error {
	for _, o := range outs {
		f, err := LookupModel(o.Format)
		if err != nil {
			return err
		}
		if r.ThreatModel == nil {
			return &escarp.Error{Op: "report.WriteModels", Kind: escarp.Invalid,
				Message: fmt.Sprintf("-o %s:%s: the report carries no threat model (write it from escarp threat)", o.Format, o.Path)}
		}
		if err := WriteFile(o.Path, Format(f), r); err != nil {
			return err
		}
	}
	return nil
}
