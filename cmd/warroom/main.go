// Command warroom is the warroom server and its command-line client; see
// package cli, which does all the work so that tests can run it in-process.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/warroom/warroom/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts a graceful shutdown, stop catching
	// signals, so that a second Ctrl-C kills a shutdown that hangs.
	context.AfterFunc(ctx, stop)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
