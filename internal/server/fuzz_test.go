package server_test

import (
	"encoding/json"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/server"
)

// FuzzInputs feeds arbitrary JSON to the validators of project and triage
// bodies: they must answer (an error or nil), never panic, and what they
// accept must respect their bounds.
func FuzzInputs(f *testing.F) {
	f.Add([]byte(`{"name":"shop","target":"http://127.0.0.1:8080","identities":"env:X","schedule":"*/5 * * * *","jobs":["scan"]}`))
	f.Add([]byte(`{"name":"x","schedule":"@every 1s","identities":"file:../../etc/passwd"}`))
	f.Add([]byte(`{"state":"accepted","reason":"r","expires":"2099-01-01"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in server.ProjectInput
		if json.Unmarshal(data, &in) == nil && in.Validate() == nil {
			if len(in.Name) > 64 || len(in.Target) > 2048 || len(in.Identities) > 1100 || len(in.Jobs) > len(server.Kinds) {
				t.Fatalf("accepted out-of-bounds input %+v", in)
			}
		}
		var tr escarp.Triage
		if json.Unmarshal(data, &tr) == nil && server.ValidateTriage(&tr) == nil {
			if len(tr.Reason) > 2000 || (tr.State == escarp.TriageAccepted && tr.Reason == "") {
				t.Fatalf("accepted triage %+v", tr)
			}
		}
	})
}
