package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestMetricsStore (both databases): the stored lifecycle of an incident
// is the fold of its timeline after every kind of command (a correction
// and a reopen included), data loss recorded through Reports; private
// incidents reach only admins and participants; incidents without a row
// are backfilled; pages and update times are read by window.
func TestMetricsStore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, d.open(t))
			inc := f.mustDeclare(f.ada, "checkout errors", func(d *warroom.Declaration) {
				start := t0.Add(-10 * time.Minute)
				d.ImpactStartedAt = &start
				d.Impact.Cluster = "eu west 1"
				d.Impact.CustomerImpact = true
				d.Major = true
			})
			for _, cmd := range []warroom.Command{
				warroom.ChangeStage{Stage: warroom.StageIdentified},
				warroom.CorrectImpactStart{At: t0.Add(-20 * time.Minute), Reason: "graphs"},
				warroom.ChangeStage{Stage: warroom.StageRecovered},
				warroom.ChangeStage{Stage: warroom.StageBaseline},
				warroom.ChangeStage{Stage: warroom.StageResolved},
				warroom.Reopen{Reason: "back"},
				warroom.ChangeStage{Stage: warroom.StageRecovered},
			} {
				f.mustExec(f.ada, inc.ID, cmd)
				f.appendNotes(inc.ID, 2, 2) // other events leave the lifecycle as it was
			}
			reports := &warroom.Reports{Metrics: f.s, Directory: f.s, Incidents: f.s, Now: func() time.Time { return f.tick() }}
			if _, err := reports.RecordDataLoss(f.ctx, f.ada.Actor(), inc.Ref, t0.Add(-25*time.Minute), "restored the 09:00 snapshot", warroom.Idempotency{}); err != nil {
				t.Fatal(err)
			}
			hidden := f.mustDeclare(f.bob, "private", func(d *warroom.Declaration) { d.Private = true })

			events, err := f.s.Timeline(f.ctx, inc.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := warroom.FoldLifecycle(events)
			got := f.lifecycles(f.admin.Actor(), f.now.Add(time.Second))
			if len(got) != 2 {
				t.Fatalf("admin sees %d lifecycles, want 2", len(got))
			}
			if !reflect.DeepEqual(normLifecycle(got[inc.ID]), normLifecycle(want)) {
				t.Errorf("stored lifecycle\n%+v\nwant the fold of the timeline\n%+v", got[inc.ID], want)
			}
			if got[inc.ID].Reopened != 1 || got[inc.ID].RecoveryPoint.IsZero() || got[inc.ID].RecoveredBefore <= 0 {
				t.Errorf("reopen, data loss or recovered span not kept: %+v", got[inc.ID])
			}
			if seen := f.lifecycles(f.ada.Actor(), f.now.Add(time.Second)); len(seen) != 1 || seen[hidden.ID].IncidentID != "" {
				t.Errorf("ada sees %d lifecycles (the private one: %v), want only her incident", len(seen), seen[hidden.ID].IncidentID != "")
			}
			if seen := f.lifecycles(f.bob.Actor(), f.now.Add(time.Second)); len(seen) != 2 {
				t.Errorf("bob, a participant, sees %d lifecycles, want 2", len(seen))
			}
			if early := f.lifecycles(f.admin.Actor(), inc.DeclaredAt); len(early) != 0 {
				t.Errorf("declared before the incidents: %d lifecycles", len(early))
			}

			// An incident stored before lifecycles were kept is folded when
			// a report asks.
			if _, err := f.s.exec(f.ctx, "DELETE FROM incident_lifecycles"); err != nil {
				t.Fatal(err)
			}
			f.s.lifecyclesComplete.Store(false) // as a process started on older data finds it
			again := f.lifecycles(f.admin.Actor(), f.now.Add(time.Second))
			if len(again) != 2 || !reflect.DeepEqual(normLifecycle(again[inc.ID]), normLifecycle(want)) {
				t.Errorf("backfilled lifecycle %+v, want %+v", again[inc.ID], want)
			}

			// Pages sent, read back by window.
			sentAt := normTime(t0.Add(time.Hour))
			for i, kind := range []string{"page", "page", "update"} {
				_, err := f.s.exec(f.ctx, `INSERT INTO messages (id, queue, kind, channel, destination, subject, body, fields,
					user_id, state, due_at, attempts, throttle_reason, last_error, provider_id, created_at, sent_at)
					VALUES (?, 'q', ?, 'sms', '+1', 's', 'b', '[]', ?, 'sent', ?, 1, '', '', '', ?, ?)`,
					randomHex(t, 4), kind, f.ada.ID, f.s.d.timeArg(sentAt), f.s.d.timeArg(sentAt), f.s.d.timeArg(sentAt.Add(time.Duration(i)*time.Minute)))
				if err != nil {
					t.Fatal(err)
				}
			}
			pages, err := f.s.ListPages(f.ctx, sentAt, sentAt.Add(time.Minute+time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != 2 || pages[0].UserID != f.ada.ID || !pages[1].SentAt.Equal(sentAt.Add(time.Minute)) {
				t.Errorf("pages %+v, want ada's two pages", pages)
			}
			if pages, _ := f.s.ListPages(f.ctx, sentAt.Add(time.Second), sentAt.Add(time.Minute)); len(pages) != 0 {
				t.Errorf("pages outside the window: %+v", pages)
			}

			_, err = f.s.exec(f.ctx, `INSERT INTO comm_updates (id, incident_id, audience, subject, body, author_id, at, seq, snapshot)
				VALUES ('u1', ?, 'internal', 's', 'b', ?, ?, 99, '{}')`, inc.ID, f.ada.ID, f.s.d.timeArg(sentAt))
			if err != nil {
				t.Fatal(err)
			}
			times, err := f.s.ListUpdateTimes(f.ctx, inc.DeclaredAt, inc.DeclaredAt.Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if ts := times[inc.ID][warroom.AudienceInternal]; len(ts) != 1 || !ts[0].Equal(sentAt) {
				t.Errorf("update times %+v", times)
			}
		})
	}
}

func (f *fixture) lifecycles(viewer warroom.Actor, to time.Time) map[string]warroom.Lifecycle {
	f.tb.Helper()
	lcs, err := f.s.ListLifecycles(f.ctx, to, &viewer)
	if err != nil {
		f.tb.Fatal(err)
	}
	out := map[string]warroom.Lifecycle{}
	for _, lc := range lcs {
		out[lc.IncidentID] = lc
	}
	return out
}

// normLifecycle truncates times to the microsecond the store keeps.
func normLifecycle(lc warroom.Lifecycle) warroom.Lifecycle {
	for _, p := range []*time.Time{&lc.ImpactStartedAt, &lc.AcknowledgedAt, &lc.IdentifiedAt, &lc.FixedAt,
		&lc.RecoveredAt, &lc.BaselineAt, &lc.ResolvedAt, &lc.ClosedAt, &lc.MajorAt, &lc.RecoveryPoint} {
		if !p.IsZero() {
			*p = normTime(*p)
		}
	}
	lc.DeclaredAt, lc.DetectedAt = normTime(lc.DeclaredAt), normTime(lc.DetectedAt)
	lc.RecoveredBefore = lc.RecoveredBefore.Truncate(time.Microsecond)
	if len(lc.ServiceIDs) == 0 {
		lc.ServiceIDs = nil
	}
	return lc
}
