package monitor_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/monitor"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/store"
)

// TestBlocksInStore: a block written by one process (an analyzer) reaches
// another (the proxy) through the store, and a lift there ends it.
func TestBlocksInStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "escarp.db")
	db, err := store.Open(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	analyzer := monitor.NewBlocks(db, time.Hour, http.StatusForbidden)
	proxySide := monitor.NewBlocks(db, time.Hour, http.StatusForbidden)
	analyzer.Block(&detect.Alert{Keyspace: detect.KeyPrincipal, Principal: "jwt:mallory"})
	analyzer.Block(&detect.Alert{Keyspace: detect.KeyUsername, Key: "bob"})           // blocks nobody
	analyzer.Block(&detect.Alert{Keyspace: detect.KeyPrincipal, Principal: ""})       // an unverified principal: nobody
	analyzer.Block(&detect.Alert{Keyspace: detect.KeyClient, ClientIP: "192.0.2.66"}) // a client
	if err := proxySide.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if b := proxySide.Check("jwt:mallory", "127.0.0.1"); b == nil || b.Status != http.StatusForbidden {
		t.Fatalf("the proxy did not pick up the principal's block: %+v", b)
	}
	if proxySide.Check("", "192.0.2.66") == nil || proxySide.Check("jwt:bob", "127.0.0.1") != nil {
		t.Fatal("client block missing, or someone else blocked")
	}
	stored, err := monitor.ListBlocks(ctx, db)
	if err != nil || len(stored) != 2 {
		t.Fatalf("stored %+v, %v: want 2 blocks", stored, err)
	}
	n, err := monitor.LiftBlocks(ctx, db, "jwt:mallory", time.Now())
	if err != nil || n != 1 {
		t.Fatalf("lift: %d, %v", n, err)
	}
	if err := proxySide.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if proxySide.Check("jwt:mallory", "127.0.0.1") != nil {
		t.Fatal("a lifted block still applies")
	}
	stored, _ = monitor.ListBlocks(ctx, db)
	states := map[string]int{}
	for _, b := range stored {
		states[b.State(time.Now())]++
	}
	if states["lifted"] != 1 || states["active"] != 1 {
		t.Fatalf("states %v", states)
	}
}
