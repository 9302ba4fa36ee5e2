package inflect

import (
	"sync"
	"testing"
)

func TestSingular(t *testing.T) {
	tests := []struct{ in, want string }{
		{"orders", "order"},
		{"users", "user"},
		{"categories", "category"},
		{"addresses", "address"},
		{"boxes", "box"},
		{"matches", "match"},
		{"wishes", "wish"},
		{"people", "person"},
		{"status", "status"},
		{"order", "order"},
		{"Orders", "Order"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Singular(tt.in); got != tt.want {
			t.Errorf("Singular(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSingularConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if got := Singular("invoices"); got != "invoice" {
					t.Errorf("Singular(invoices) = %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
