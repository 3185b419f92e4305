package paging

// TEMPORARY instrumentation (removed before hand-off).

import (
	"os"
	"time"
)

var traceOn = os.Getenv("WARROOM_TRACE") != ""

func (p *Pager) trace(what string, start time.Time, args ...any) {
	if traceOn {
		p.cfg.Logger.Info("TRACE "+what, append([]any{"ms", float64(time.Since(start).Microseconds()) / 1000}, args...)...)
	}
}
