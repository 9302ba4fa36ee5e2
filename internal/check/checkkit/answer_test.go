package checkkit_test

import (
	"testing"

	"github.com/escarp/escarp/internal/check/checkkit"
)

func TestLeak(t *testing.T) {
	tests := []struct {
		body string
		leak bool
	}{
		{"goroutine 7 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d", true},
		{`{"error":"SQL logic error: near \"x\": syntax error (1)"}`, true},
		{"Traceback (most recent call last):\n  File \"/srv/app.py\", line 3", true},
		{"    at Object.<anonymous> (/usr/src/app/index.js:10:15)", true},
		{`{"error":"id must be an integer"}`, false},
		{`{"name":"go fishing at 10:30"}`, false},
	}
	for _, tt := range tests {
		if got := checkkit.Leak([]byte(tt.body)) != ""; got != tt.leak {
			t.Errorf("checkkit.Leak(%q) = %v, want %v", tt.body, got, tt.leak)
		}
	}
}
