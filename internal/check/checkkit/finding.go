package checkkit

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Finding returns the finding of info for op, with resp as evidence (may
// be nil), the point's location and an evidence note.
func Finding(info check.Info, op *escarp.Operation, resp *check.Response, param, msg, note string) escarp.Finding {
	f := check.NewFinding(info, resp, msg)
	if op != nil && f.Location.Method == "" {
		f.Location.Method, f.Location.Path = op.Method, op.Path
		f.Location = f.Location.At(op.Pos)
	}
	f.Location.Param = param
	if note != "" {
		if f.Evidence == nil {
			f.Evidence = &escarp.Evidence{}
		}
		f.Evidence.Note = note
	}
	return f
}
