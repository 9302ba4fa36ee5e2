package main

import (
	"encoding/json"

	"github.com/escarp/escarp"
)

// emit writes rep to stdout in format and to every -o output. Placeholder:
// the report formats replace it.
func (a *app) emit(rep *escarp.Report, format string, outputs []string) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
