package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"

	"github.com/escarp/escarp/internal/sqlstore"
	"github.com/escarp/escarp/internal/store"
)

// openStore opens the store by precedence: --store, ESCARP_STORE, the
// config's store key, then .escarp/escarp.db next to the config.
func (a *app) openStore(cmd *cobra.Command) (*sqlstore.DB, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	var fromConfig string
	if err := cfg.Section("store", &fromConfig); err != nil {
		return nil, err
	}
	spec := a.setting(cmd, "store", "store", fromConfig)
	return store.Open(cmd.Context(), spec, cfg.Dir)
}

// recordRuns records each run and its findings in the store, one scan each,
// so history, baselines and trends can read them.
func (a *app) recordRuns(cmd *cobra.Command, runs ...*escarp.Run) error {
	db, err := a.openStore(cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	return putRuns(cmd.Context(), db, runs)
}

// putRuns records runs in an open store.
func putRuns(ctx context.Context, db escarp.FindingStore, runs []*escarp.Run) error {
	for _, run := range runs {
		sc := &escarp.Scan{Engine: run.Engine, Target: run.Target, Spec: run.Spec, StartedAt: run.StartedAt,
			FinishedAt: run.FinishedAt, Stats: run.Stats, Score: run.Score}
		if err := db.PutScan(ctx, sc, run.Findings); err != nil {
			return fmt.Errorf("recording the %s run: %w", run.Engine, err)
		}
	}
	return nil
}
