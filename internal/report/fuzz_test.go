package report

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read: it must never panic, every error
// must be an input error, and every report it accepts must render in every
// format.
func FuzzRead(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "report.json"))
	if err == nil {
		f.Add(golden)
	}
	for _, s := range []string{
		`{"schemaVersion":"1.0","runs":[]}`,
		`{"schemaVersion":"1.0","runs":[{"engine":"scan","findings":[{"ruleId":"X","severity":"high","evidence":{"request":{"url":"http://a/?token=x"}}}]}]}`,
		`{"schemaVersion":"1.0","runs":[{"engine":"code","findings":[{"ruleId":"Y","flows":[[{"file":"a.go","line":-3}]],"location":{"line":-1,"endLine":-9}}]}]}`,
		`{"schemaVersion":"1.0","runs":[null]}`,
		`{"schemaVersion":"9"}`,
		`[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, name := range Names() {
			format, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := format(io.Discard, rep); err != nil {
				t.Errorf("%s of an accepted report: %v", name, err)
			}
		}
	})
}
