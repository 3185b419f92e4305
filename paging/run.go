package paging

import (
	"context"
	"sync"

	"github.com/warroom/warroom/engine"
)

// JobsChannel is the wake-up channel of new jobs (sqlstore.ChannelJobs).
const JobsChannel = "warroom_jobs"

// Run runs everything paging does in the background until ctx is done,
// and waits for it: the engine's workers (e must have been built with
// Handlers and the queues of Queues), the outbox senders, and, when the
// store can tell (Listener), the wake-ups that start the engine at once
// when a job is committed anywhere: by intake, by an incident command, by
// another process on PostgreSQL.
func (p *Pager) Run(ctx context.Context, e *engine.Engine) {
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	wg.Go(func() { p.sender.RunSenders(ctx) })
	if l, ok := p.cfg.Store.(Listener); ok {
		if ch, err := l.Listen(ctx, JobsChannel); err != nil {
			p.cfg.Logger.Warn("paging: cannot listen for new jobs; polling only", "err", err)
		} else {
			wg.Go(func() {
				for range ch {
					for _, q := range p.Queues() {
						e.Wake(q)
					}
				}
			})
		}
	}
	wg.Wait()
}
