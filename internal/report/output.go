package report

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// Output is one parsed -o specification: a format and the file to write.
type Output struct {
	Format string
	Path   string
}

// extensions maps file extensions to the format they imply.
var extensions = map[string]string{
	".sarif":    FormatSARIF,
	".json":     FormatJSON,
	".xml":      FormatJUnit,
	".md":       FormatMarkdown,
	".markdown": FormatMarkdown,
	".html":     FormatHTML,
	".htm":      FormatHTML,
	".txt":      FormatText,
}

// formatPrefix matches an explicit "FORMAT:" prefix. A single letter is a
// Windows drive, not a format.
var formatPrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]+):(.*)$`)

// ParseOutput parses an output specification as given to -o: either
// FORMAT:PATH ("sarif:results.json") or a path whose extension names the
// format (.sarif, .json, .xml for JUnit, .md, .html, .txt). An unknown
// format or extension is an error of kind Invalid.
func ParseOutput(spec string) (Output, error) {
	if strings.TrimSpace(spec) == "" {
		return Output{}, outputError("empty output path")
	}
	if m := formatPrefix.FindStringSubmatch(spec); m != nil && !strings.HasPrefix(m[2], "//") {
		name := strings.ToLower(m[1])
		if _, ok := formats[name]; !ok {
			return Output{}, outputError("output %q: unknown format %q (want %s)", spec, m[1], strings.Join(Names(), ", "))
		}
		if m[2] == "" {
			return Output{}, outputError("output %q: no path after %q", spec, m[1]+":")
		}
		return Output{Format: name, Path: m[2]}, nil
	}
	ext := strings.ToLower(filepath.Ext(spec))
	if name, ok := extensions[ext]; ok {
		return Output{Format: name, Path: spec}, nil
	}
	exts := slices.Sorted(func(yield func(string) bool) {
		for e := range extensions {
			if !yield(e) {
				return
			}
		}
	})
	return Output{}, outputError("output %q: cannot tell the format from the extension (known: %s); name it as FORMAT:PATH, e.g. sarif:%s",
		spec, strings.Join(exts, " "), spec)
}

func outputError(format string, args ...any) error {
	return &escarp.Error{Op: "report.ParseOutput", Kind: escarp.Invalid, Message: fmt.Sprintf(format, args...)}
}

// ParseOutputs parses every specification, failing on the first bad one.
func ParseOutputs(specs []string) ([]Output, error) {
	outs := make([]Output, 0, len(specs))
	for _, s := range specs {
		o, err := ParseOutput(s)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// WriteFile renders r with f into path, creating parent directories. The
// file is written in full or, on error, removed.
func WriteFile(path string, f Format, r *escarp.Report) (err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &escarp.Error{Op: "report.WriteFile", Kind: escarp.Invalid, Message: "create output directory " + dir, Err: err}
		}
	}
	file, err := os.Create(path)
	if err != nil {
		return &escarp.Error{Op: "report.WriteFile", Kind: escarp.Invalid, Message: "create output " + path, Err: err}
	}
	defer func() {
		if cerr := file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", path, cerr)
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	bw := bufio.NewWriterSize(file, 64<<10)
	if err := f(bw, r); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return bw.Flush()
}

// WriteOutputs renders r into every output with o, creating parent
// directories. It writes all it can and returns every failure.
func (o Options) WriteOutputs(r *escarp.Report, outs []Output) error {
	var errs []error
	for _, out := range outs {
		f, err := o.Lookup(out.Format)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := WriteFile(out.Path, f, r); err != nil {
			errs = append(errs, err)
			continue
		}
		if o.Status != nil {
			name := out.Path
			if rel, err := filepath.Rel(o.StatusDir, name); o.StatusDir != "" && err == nil && !strings.HasPrefix(rel, "..") {
				name = rel
			}
			fmt.Fprintf(o.Status, "wrote %s\n", name)
		}
	}
	return errors.Join(errs...)
}
