package main

import (
	"github.com/spf13/cobra"

	"github.com/escarp/escarp/internal/bus"
)

// addBusFlag adds --bus to a command that publishes or consumes events or
// jobs.
func addBusFlag(cmd *cobra.Command) {
	cmd.Flags().String("bus", "", "message bus: memory (in process) or nats://host:port (JetStream)")
}

// openBus opens the message bus by precedence: --bus, ESCARP_BUS, the
// config's bus key, then the in-process bus.
func (a *app) openBus(cmd *cobra.Command, opts bus.Options) (bus.Bus, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	var fromConfig string
	if err := cfg.Section("bus", &fromConfig); err != nil {
		return nil, err
	}
	return bus.Open(cmd.Context(), a.setting(cmd, "bus", "bus", fromConfig), opts)
}
