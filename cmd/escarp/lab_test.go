package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestLabPortInUse: a taken port is named, with the way out.
func TestLabPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"lab", "--addr", ln.Addr().String()}, strings.NewReader(""), &stdout, &stderr)
	if err == nil {
		t.Fatal("lab started on a port in use")
	}
	if want := "port " + port + " is in use; try --addr 127.0.0.1:0"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to say %q", err, want)
	}
}
