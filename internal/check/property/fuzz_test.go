package property

import "testing"

func FuzzScanBody(f *testing.F) {
	f.Add([]byte(`{"card": "4111 1111 1111 1111", "ssn": "078-05-1120", "n": [1, {"password": "x"}]}`))
	f.Add([]byte(`[[[[{"a": 4111111111111111}]]]]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, h := range scanBody(body) {
			if h.kind == "" || h.value == "" {
				t.Fatalf("empty hit %+v in %q", h, body)
			}
		}
	})
}
