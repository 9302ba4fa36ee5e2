package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/storetest"
)

var seq atomic.Int64

// dsn returns the test server, or skips: ./test.sh starts PostgreSQL and
// sets ESCARP_TEST_POSTGRES.
func dsn(t *testing.T) string {
	d := os.Getenv("ESCARP_TEST_POSTGRES")
	if d == "" {
		t.Skip("ESCARP_TEST_POSTGRES not set: run ./test.sh to start PostgreSQL and run the PostgreSQL tests")
	}
	return d
}

func TestConformance(t *testing.T) {
	d := dsn(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		ctx := context.Background()
		schema := fmt.Sprintf("escarp_test_%d_%d", time.Now().UnixNano(), seq.Add(1))
		db, err := Open(ctx, d, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			db.Close()
			if err := DropSchema(context.Background(), d, schema); err != nil {
				t.Errorf("dropping %s: %v", schema, err)
			}
		})
		return db
	})
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://nobody:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "")
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("error leaks the password: %s", got)
	}
}
