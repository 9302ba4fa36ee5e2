package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/report"
)

// reportCmd re-renders a saved JSON report in other formats.
func (a *app) reportCmd() *cobra.Command {
	var (
		format  string
		outputs []string
	)
	cmd := &cobra.Command{
		Use:   "report IN.json [-o OUT]... [--format FORMAT]",
		Short: "Re-render a saved JSON report as SARIF, JUnit, HTML, Markdown or text",
		Long: `report reads a report saved with -o report.json (the canonical JSON form) and
writes it again in other formats, without running anything.

Each -o names a file; its extension picks the format (.sarif, .json, .xml
for JUnit, .md, .html, .txt), or FORMAT:PATH names it (sarif:out.json).
A saved threat report also renders as a model: threagile:, threatdragon:,
otm: and mermaid:.
--format chooses what goes to stdout (text by default). With -o and no
--format, nothing is written to stdout. IN.json may be "-" for stdin.`,
		Example: `  escarp report scan.json -o scan.html
  escarp report scan.json -o results.sarif -o junit.xml
  escarp report scan.json --format markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := a.readReport(args[0])
			if err != nil {
				return err
			}
			models, outputs, err := a.splitModelOutputs(outputs)
			if err != nil {
				return err
			}
			if err := report.WriteModels(rep, models); err != nil {
				return err
			}
			if format == "" && len(models) > 0 && len(outputs) == 0 {
				return nil
			}
			if format == "" && len(outputs) > 0 {
				outs, err := a.outputs(outputs)
				if err != nil {
					return err
				}
				return a.reportOptions().WriteOutputs(rep, outs)
			}
			return a.emit(rep, format, outputs)
		},
	}
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "write the report to `PATH` (format from the extension, or FORMAT:PATH); repeatable")
	cmd.Flags().StringVar(&format, "format", "", "format on stdout: text, json, sarif, junit, markdown or html (default text)")
	return cmd
}

// readReport reads a JSON report from path, or from stdin for "-". Any
// problem is an input error naming the file.
func (a *app) readReport(path string) (*escarp.Report, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = a.stdin, "<stdin>"
	} else {
		full := path
		if !filepath.IsAbs(full) {
			full = filepath.Join(a.wd, full)
		}
		f, err := os.Open(full)
		if err != nil {
			kind := escarp.Invalid
			if errors.Is(err, os.ErrNotExist) {
				kind = escarp.NotFound
			}
			return nil, &escarp.Error{Op: "report", Kind: kind, Message: "read report " + path, Err: err}
		}
		defer f.Close()
		r = f
	}
	rep, err := report.Read(r)
	if err != nil {
		var e *escarp.Error
		if errors.As(err, &e) {
			e.Pos.File = name
		}
		return nil, err
	}
	return rep, nil
}
