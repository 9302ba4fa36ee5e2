// Command escarp is continuous API security in one binary: spec audit,
// DAST, code scanning, CI gating, inventory, threat modeling, policy,
// monitoring and training. Run "escarp help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/escarp/escarp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "escarp: "+err.Error())
	}
	os.Exit(escarp.ExitCode(err))
}
