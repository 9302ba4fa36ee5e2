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

func TestCard(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"4242424242424242", true},
		{"4242-4242-4242-4242", true},
		{"378282246310005", true},
		{"5555555555554444", true},
		{"4242424242424241", false}, // Luhn
		{"1234567812345670", false}, // no issuer
		{"42424242", false},
	}
	for _, tt := range tests {
		if got := card(tt.v); got != tt.want {
			t.Errorf("card(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
