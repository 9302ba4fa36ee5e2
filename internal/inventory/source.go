package inventory

import (
	"context"
	"slices"

	"github.com/escarp/escarp"
)

// A Source is one input of the inventory: an API description, a HAR
// recording, an access log, a code routes document. Observe hands its
// material to add in batches (an access log streams, so memory stays
// bounded whatever its size): the API descriptions it registers and the
// observations it makes. Implementations, and the detection of which one
// an input is, live in internal/inventory/input.
type Source interface {
	Observe(ctx context.Context, add func(Batch) error) ([]escarp.Warning, error)
}

// Batch is what a [Source] adds at once: the arguments of
// [Inventory.Import].
type Batch struct {
	Specs        []SpecService
	Observations []escarp.Observation
	// Service is the service named on import, for observations that match
	// no known service.
	Service string
}

// ImportSource imports every batch of src and returns the totals.
func (inv *Inventory) ImportSource(ctx context.Context, src Source) (*Result, []escarp.Warning, error) {
	total := &Result{Classes: map[string]int{}}
	warns, err := src.Observe(ctx, func(b Batch) error {
		res, err := inv.Import(ctx, b.Specs, b.Observations, b.Service)
		if err != nil {
			return err
		}
		total.Observations += res.Observations
		total.New += res.New
		total.Updated += res.Updated
		total.Ignored += res.Ignored
		total.Classes = res.Classes
		for _, s := range res.Services {
			if !slices.Contains(total.Services, s) {
				total.Services = append(total.Services, s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, warns, err
	}
	return total, warns, nil
}
