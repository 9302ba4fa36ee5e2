package ingest_test

import (
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/ingest"
)

// FuzzRead: any input is read or refused with an Invalid error naming the
// file, never a panic.
func FuzzRead(f *testing.F) {
	for _, s := range []string{combinedLine, nginxLine, envoyLine, kongLine, `{"log":{"entries":[{"request":{"method":"GET","url":"http://a/"},"response":{"status":200}}]}}`,
		"", "{", "\x00\xff", combinedLine + "\n" + kongLine} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		for _, format := range append([]string{""}, ingest.Formats...) {
			_, err := ingest.Read(strings.NewReader(data), "fuzz.log", format, func(*ingest.Record) error { return nil })
			if err != nil && escarp.KindOf(err) != escarp.Invalid {
				t.Fatalf("format %q: %v is not an input error", format, err)
			}
		}
	})
}
