package main

import (
	"github.com/spf13/cobra"

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
