package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
)

// BenchmarkFairClaimBacklog claims (and completes) a few jobs at a time
// of a queue that holds a backlog of 20,000 jobs of one key: the cost of
// a claim must not grow with the backlog.
func BenchmarkFairClaimBacklog(b *testing.B) {
	for _, d := range dialects {
		for _, fair := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/fair=%v", d.name, fair), func(b *testing.B) {
				s := d.open(b)
				ctx := context.Background()
				jobs := make([]engine.Job, 20000)
				for i := range jobs {
					jobs[i] = engine.Job{ID: fmt.Sprintf("j%05d", i), Queue: "default", Kind: "k", FairKey: "svc-a",
						DueAt: t0.Add(time.Duration(i) * time.Microsecond)}
				}
				for c := 0; c < len(jobs); c += 1000 {
					if err := s.Enqueue(ctx, jobs[c:c+1000]...); err != nil {
						b.Fatal(err)
					}
				}
				now := t0.Add(time.Minute)
				for b.Loop() {
					claim := func() ([]engine.Job, error) { return s.ClaimFair(ctx, "default", "bench", now, time.Hour, 250, 8, nil) }
					if !fair {
						claim = func() ([]engine.Job, error) { return s.Claim(ctx, "default", "bench", now, time.Hour, 8) }
					}
					got, err := claim()
					if err != nil || len(got) == 0 {
						b.Fatal(got, err)
					}
					done := make([]engine.Completion, len(got))
					for i, j := range got {
						done[i].ID = j.ID
					}
					if _, _, err := s.CompleteBatch(ctx, "bench", now, done, engine.FollowClaim{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
