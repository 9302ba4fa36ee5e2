package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/escarp/escarp"
)

// writeJSON writes the canonical JSON report: indented, findings in the
// canonical order, evidence redacted, ending with a newline.
func writeJSON(w io.Writer, r *escarp.Report) error {
	r = Prepare(r)
	for _, run := range r.Runs {
		if run.Findings == nil {
			run.Findings = []escarp.Finding{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode JSON report: %w", err)
	}
	return nil
}

// maxReportSize bounds what [Read] accepts.
const maxReportSize = 1 << 30

// Read decodes a canonical JSON report as written by the json format. A
// report whose schemaVersion has another major version than
// [escarp.ReportSchemaVersion], or input that is not a JSON report, is an
// error of kind Invalid; syntax and type errors carry the line and column
// in Pos (Pos.File is left for the caller to fill in).
func Read(r io.Reader) (*escarp.Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxReportSize+1))
	if err != nil {
		return nil, &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Message: "read report", Err: err}
	}
	if len(data) > maxReportSize {
		return nil, &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Message: "report larger than 1 GiB"}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Message: "empty input: not an escarp JSON report"}
	}
	var head struct {
		SchemaVersion *string `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, decodeError(data, err)
	}
	if head.SchemaVersion == nil {
		return nil, &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: escarp.Position{Line: 1, Column: 1},
			Message: "not an escarp JSON report: no schemaVersion"}
	}
	if err := checkSchemaVersion(*head.SchemaVersion); err != nil {
		return nil, &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: position(data, findKey(data, "schemaVersion")),
			Message: err.Error()}
	}
	var rep escarp.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, decodeError(data, err)
	}
	for i, run := range rep.Runs {
		if run == nil {
			return nil, &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Message: fmt.Sprintf("runs[%d] is null", i)}
		}
	}
	return &rep, nil
}

// checkSchemaVersion accepts every version with the major version this
// escarp writes: minor versions only add fields.
func checkSchemaVersion(v string) error {
	major, _, _ := strings.Cut(escarp.ReportSchemaVersion, ".")
	got, _, _ := strings.Cut(v, ".")
	if v == "" || got != major {
		return fmt.Errorf("unsupported schemaVersion %q (this escarp reads %s.x)", v, major)
	}
	return nil
}

// decodeError turns a JSON decoding error into an Invalid error with the
// line and column of the problem.
func decodeError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if strings.HasPrefix(syn.Error(), "unexpected end of JSON input") {
			return &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: position(data, int64(len(data))),
				Message: "truncated JSON", Err: err}
		}
		// Offset counts the bytes read, the bad one included.
		return &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: position(data, syn.Offset-1),
			Message: "invalid JSON", Err: err}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "report"
		}
		return &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: position(data, typ.Offset),
			Message: fmt.Sprintf("%s: want %s, got JSON %s", field, typ.Type, typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: position(data, int64(len(data))),
			Message: "truncated JSON", Err: err}
	}
	var e *escarp.Error
	if errors.As(err, &e) {
		// A value its type rejected (an unknown severity or confidence):
		// point at it.
		return &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Pos: position(data, badEnumOffset(data)),
			Message: e.Message}
	}
	return &escarp.Error{Op: "report.Read", Kind: escarp.Invalid, Message: "invalid report", Err: err}
}

// badEnumOffset returns the offset of the first "severity" or "confidence"
// value in data that does not parse, or 0.
func badEnumOffset(data []byte) int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	var key string
	for {
		end := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		v, ok := tok.(string)
		if !ok {
			key = ""
			continue
		}
		var bad bool
		switch key {
		case "severity":
			_, perr := escarp.ParseSeverity(v)
			bad = perr != nil
		case "confidence":
			_, perr := escarp.ParseConfidence(v)
			bad = perr != nil
		}
		if bad {
			// Skip the separator and spaces between the key and the value.
			off := end
			for off < int64(len(data)) && strings.IndexByte(" \t\r\n:", data[off]) >= 0 {
				off++
			}
			return off
		}
		key = v
	}
}

// position converts a byte offset in data into a 1-based line and column.
func position(data []byte, off int64) escarp.Position {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return escarp.Position{Line: line, Column: col}
}

// findKey returns the offset of the first "key": in data, or 0.
func findKey(data []byte, key string) int64 {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	return int64(max(i, 0))
}
