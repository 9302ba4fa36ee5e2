package jobs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/escarp/escarp"
)

func TestIdentitiesByReference(t *testing.T) {
	dir := t.TempDir()
	yaml := "identities:\n  - name: alice\n    headers: {Authorization: \"Bearer ${ALICE_TOKEN}\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "ids.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ALICE_TOKEN": "s3cret", "IDS": yaml}
	o := Options{Dir: dir, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	for _, ref := range []string{"file:ids.yaml", "file:" + filepath.Join(dir, "ids.yaml"), "env:IDS"} {
		ids, err := Identities(ref, o)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if len(ids) != 1 || ids[0].Name != "alice" || ids[0].Headers["Authorization"] != "Bearer s3cret" {
			t.Errorf("%s: %+v", ref, ids)
		}
	}
	for _, ref := range []string{"env:UNSET", "file:missing.yaml", "Bearer abc"} {
		if _, err := Identities(ref, o); escarp.KindOf(err) != escarp.Invalid {
			t.Errorf("%s: %v, want an invalid-input error", ref, err)
		}
	}
	delete(env, "ALICE_TOKEN")
	if _, err := Identities("env:IDS", o); err == nil {
		t.Error("an identities file naming an unset variable was accepted")
	}
}
