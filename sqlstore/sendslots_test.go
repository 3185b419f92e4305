package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

func TestReserveSend(t *testing.T) {
	runStoreTests(t, []storeTest{
		{"CountsSendsInFlight", testReserveSendCountsInFlight},
	})
}

// allowAll is a decide that records the history it was given and lets the
// message go.
func allowAll(got *[]time.Time) func([]time.Time) (time.Time, string) {
	return func(h []time.Time) (time.Time, string) {
		*got = slices.Clone(h)
		slices.SortFunc(*got, time.Time.Compare)
		return time.Time{}, ""
	}
}

// The history ReserveSend decides on: sends recorded as sent, and sends in
// flight in any process (their slot taken, outcome not recorded), but not
// the message's own earlier slot, not a slot whose outcome was recorded
// as anything but sent, and nothing to another destination.
func testReserveSendCountsInFlight(t *testing.T, s *Store) {
	ctx := context.Background()
	const dest = "ada@example.com"
	mustEnqueueMessages(t, s, pageMsg("m1", dest, t0), pageMsg("m2", dest, t0), pageMsg("m3", dest, t0),
		pageMsg("m4", dest, t0), pageMsg("other", "bob@example.com", t0))
	reserve := func(owner, id string, now time.Time) []time.Time {
		t.Helper()
		var got []time.Time
		if _, why, err := s.ReserveSend(ctx, owner, id, dest, t0.Add(-time.Minute), now, allowAll(&got)); err != nil || why != "" {
			t.Fatalf("%s reserving %s: %q, %v", owner, id, why, err)
		}
		return got
	}
	want := func(got []time.Time, at ...time.Duration) {
		t.Helper()
		var w []time.Time
		for _, d := range at {
			w = append(w, normTime(t0.Add(d)))
		}
		if !slices.EqualFunc(got, w, time.Time.Equal) {
			t.Fatalf("history %v, want %v", got, w)
		}
	}
	for _, id := range []string{"m1", "m2", "m3", "m4", "other"} {
		wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w-"+id, t0, time.Minute, 1), id)
	}
	// m1 is sent and recorded at t0+1s.
	want(reserve("w-m1", "m1", t0))
	mustFinish(t, s, "m1", "w-m1", notify.StateSent, time.Time{}, notify.Attempt{At: t0.Add(time.Second), Outcome: "sent"})
	// A send to another destination counts for its own only.
	reserve("w-other", "other", t0.Add(2*time.Second))
	mustFinish(t, s, "other", "w-other", notify.StateSent, time.Time{}, notify.Attempt{At: t0.Add(2 * time.Second), Outcome: "sent"})
	// m2 takes its slot at t0+2s and is in flight: m3 counts it.
	want(reserve("w-m2", "m2", t0.Add(2*time.Second)), time.Second)
	want(reserve("w-m3", "m3", t0.Add(3*time.Second)), time.Second, 2*time.Second)
	// m3's attempt fails: its slot no longer counts.
	mustFinish(t, s, "m3", "w-m3", notify.StatePending, t0.Add(time.Hour), notify.Attempt{At: t0.Add(4 * time.Second), Outcome: "retry"})
	want(reserve("w-m4", "m4", t0.Add(5*time.Second)), time.Second, 2*time.Second)
	// w-m2 dies mid-send; its lease runs out and another sender claims m2
	// again: deciding for m2 anew, its own earlier slot is not counted,
	// m4's still is.
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w-again", t0.Add(2*time.Minute), time.Minute, 5), "m2", "m4")
	want(reserve("w-again", "m2", t0.Add(2*time.Minute)), time.Second, 5*time.Second)

	// A throttled decision takes no slot; a sender that no longer holds
	// the message takes none either.
	throttle := func([]time.Time) (time.Time, string) { return t0.Add(time.Hour), "throttled" }
	if _, why, err := s.ReserveSend(ctx, "w-again", "m4", dest, t0, t0.Add(2*time.Minute), throttle); err != nil || why != "throttled" {
		t.Fatalf("throttled reservation: %q, %v", why, err)
	}
	if _, _, err := s.ReserveSend(ctx, "w-m4", "m4", dest, t0, t0.Add(2*time.Minute), allowAll(new([]time.Time))); warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatalf("reserving a message another sender holds: %v, want EConflict", err)
	}
}

// Two processes (two stores on one PostgreSQL database) decide at the same
// moment for one destination whose throttle has one slot left: the second
// decision waits for the first to commit and sees its slot, so only one
// takes the slot. The first decision is held open until the second is
// seen waiting for the destination's lock; without that lock both would
// decide on the same history and both send.
func TestReserveSendSerializedAcrossProcesses(t *testing.T) {
	dsn := postgresDSN(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	schema := "wr_test_" + randomHex(t, 8)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	open := func() *Store {
		s, err := Open(ctx, withParam(t, dsn, "search_path", schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	const dest = "ada@example.com"
	th := notify.Throttle{Windows: []notify.Window{{Count: 2, Per: time.Minute}}}
	mustEnqueueMessages(t, a, pageMsg("sent", dest, t0), pageMsg("ma", dest, t0), pageMsg("mb", dest, t0))
	wantMessages(t, mustClaimMessages(t, a, notify.QueuePage, "proc-a", t0, time.Minute, 1), "sent")
	mustFinish(t, a, "sent", "proc-a", notify.StateSent, time.Time{}, notify.Attempt{At: t0, Outcome: "sent"})
	wantMessages(t, mustClaimMessages(t, a, notify.QueuePage, "proc-a", t0, time.Minute, 1), "ma")
	wantMessages(t, mustClaimMessages(t, b, notify.QueuePage, "proc-b", t0, time.Minute, 1), "mb")
	now := t0.Add(time.Second)

	var bDeciding atomic.Bool
	bDone := make(chan string, 1)
	decideA := func(h []time.Time) (time.Time, string) {
		go func() {
			_, why, err := b.ReserveSend(ctx, "proc-b", "mb", dest, now.Add(-time.Minute), now, func(h []time.Time) (time.Time, string) {
				bDeciding.Store(true)
				return th.NextAllowed(dest, h, now)
			})
			if err != nil {
				why = "error: " + err.Error()
			}
			bDone <- why
		}()
		// Hold this decision open until b is seen waiting for the
		// destination's lock, or deciding beside it.
		deadline := time.Now().Add(30 * time.Second)
		for !bDeciding.Load() {
			var waiting int
			if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1",
				sendSlotLockClass).Scan(&waiting); err != nil {
				t.Errorf("read pg_locks: %v", err)
				break
			}
			if waiting > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("within 30s the second decision neither waited for the destination's lock nor ran")
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if bDeciding.Load() {
			t.Errorf("the second process decided while the first one's decision was open")
		}
		return th.NextAllowed(dest, h, now)
	}
	if _, why, err := a.ReserveSend(ctx, "proc-a", "ma", dest, now.Add(-time.Minute), now, decideA); err != nil || why != "" {
		t.Fatalf("the first decision: %q, %v; want it to take the last slot", why, err)
	}
	if why := <-bDone; !strings.HasPrefix(why, "throttled: 2 per 1m") {
		t.Fatalf("the second decision: %q; want it throttled (the first took the last slot)", why)
	}
}
