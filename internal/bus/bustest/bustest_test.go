package bustest_test

import (
	"testing"
	"time"

	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/bus/bustest"
)

var opts = bus.Options{Partitions: 4, AckWait: time.Second}

func TestMemory(t *testing.T) {
	m := bus.NewMemory(opts)
	t.Cleanup(func() { m.Close() })
	bustest.Run(t, func(*testing.T) bus.Bus { return shared{m} })
}

// shared is one in-process bus seen as several connections: closing one
// does not close the others.
type shared struct{ *bus.Memory }

func (shared) Close() error { return nil }

func TestNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("embedded NATS: skipped in -short")
	}
	s := bustest.NewServer(t)
	bustest.Run(t, func(t *testing.T) bus.Bus { return s.Open(t, opts) })
}
