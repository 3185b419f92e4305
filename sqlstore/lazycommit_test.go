package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// TestUrgentCommitsWaitForTheDiskOnlyWhenSomethingLeaves checks on
// PostgreSQL which transactions commit without waiting for their WAL to
// reach the disk (Store.lazyCommits): urgent work's, except those that
// store a message or record a delivery attempt. Bulk work and the API
// always wait.
func TestUrgentCommitsWaitForTheDiskOnlyWhenSomethingLeaves(t *testing.T) {
	s := testPostgres(t)
	ctx := context.Background()
	urgent := engine.WithUrgency(ctx)
	// A message held by sender "w", for the attempts.
	held, err := s.EnqueueClaimedMessages(ctx, []notify.Outbox{pageMsg("held", "ada@example.com", t0)}, "w", t0, time.Minute)
	if err != nil || len(held) != 1 {
		t.Fatalf("EnqueueClaimedMessages: %v, %v", held, err)
	}
	attempt := notify.Attempt{MessageID: "held", At: t0, Outcome: "retry", Detail: "503 from the relay"}
	tests := []struct {
		name  string
		ctx   context.Context
		write func(*tx) error
		want  string // synchronous_commit at the commit
	}{
		{"bulk work", ctx, func(*tx) error { return nil }, "on"},
		{"urgent work", urgent, func(t *tx) error {
			_, err := t.exec(urgent, "UPDATE counters SET value = value WHERE name = 'incident'")
			return err
		}, "off"},
		{"urgent work storing a message", urgent, func(t *tx) error {
			_, _, err := insertMessages(urgent, t, []notify.Outbox{pageMsg("m1", "ada@example.com", t0)}, "", time.Time{})
			return err
		}, "on"},
		{"urgent work storing a claimed message", urgent, func(t *tx) error {
			_, _, err := insertMessages(urgent, t, []notify.Outbox{pageMsg("m2", "ada@example.com", t0)}, "w", t0.Add(time.Minute))
			return err
		}, "on"},
		{"urgent work recording an attempt", urgent, func(t *tx) error {
			return finishMessage(urgent, t, "w", notify.StatePending, t0.Add(time.Minute), attempt)
		}, "on"},
		{"urgent work recording a batch of attempts", urgent, func(t *tx) error {
			_, err := finishMessagesPG(urgent, t, "w", []notify.State{notify.StatePending},
				[]time.Time{t0.Add(time.Minute)}, []notify.Attempt{attempt})
			return err
		}, "on"},
	}
	for _, tt := range tests {
		var got string
		err := s.inTx(tt.ctx, func(t *tx) error {
			if err := tt.write(t); err != nil {
				return err
			}
			return t.queryRow(tt.ctx, "SELECT current_setting('synchronous_commit')").Scan(&got)
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: synchronous_commit %s at the commit, want %s", tt.name, got, tt.want)
		}
	}
	// Writes outside a transaction (the claims) run on the urgent pool's
	// sessions, which commit lazily.
	var session string
	if err := s.urgent.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&session); err != nil || session != "off" {
		t.Errorf("urgent pool's synchronous_commit = %q, %v; want off", session, err)
	}
}
