package report

import (
	"io"
	"testing"
)

func BenchmarkFormats(b *testing.B) {
	r := fixture()
	for _, name := range Names() {
		f, err := Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := f(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSARIFLimit renders a run over GitHub's 25,000-result limit.
func BenchmarkSARIFLimit(b *testing.B) {
	r := manyFindings(MaxSARIFResults + 1000)
	f, _ := Lookup(FormatSARIF)
	for b.Loop() {
		if err := f(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
