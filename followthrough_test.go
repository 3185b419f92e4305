package warroom

import (
	"testing"
	"time"
)

// TestFollowThroughCounts: postmortems against their review's due time,
// action items against the end of their target date in the items' zone,
// cancelled items left out, an incident without records counted once.
func TestFollowThroughCounts(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 3, 20, 17, 0, 0, 0, time.UTC)
	at := func(d time.Time) *time.Time { return &d }
	published := func(when time.Time) *Postmortem {
		return &Postmortem{State: PostmortemPublished, PublishedAt: &when}
	}
	item := func(target string, status ActionStatus, done *time.Time) *ActionItem {
		return &ActionItem{TargetDate: target, Status: status, DoneAt: done}
	}
	now := time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)
	var row FollowThroughRow
	for _, f := range []*FollowThroughFacts{
		{Postmortem: published(due.Add(-time.Hour)), ReviewDueAt: due},                     // on time
		{Postmortem: published(due.Add(time.Hour)), ReviewDueAt: due},                      // late
		{Postmortem: &Postmortem{State: PostmortemInReview}, ReviewDueAt: due},             // overdue
		{Postmortem: &Postmortem{State: PostmortemDraft}, ReviewDueAt: now.Add(time.Hour)}, // open
		{Postmortem: published(due)},                                                       // published, no review: not measured against a date
		{Items: []*ActionItem{
			// Berlin's 2026-03-20 ends at 23:00 UTC: done at 22:30 UTC is on time.
			item("2026-03-20", ActionDone, at(time.Date(2026, 3, 20, 22, 30, 0, 0, time.UTC))),
			item("2026-03-20", ActionDone, at(time.Date(2026, 3, 20, 23, 30, 0, 0, time.UTC))), // late
			item("2026-03-24", ActionInProgress, nil),                                          // overdue
			item("2026-03-30", ActionOpen, nil),                                                // open
			item("2026-03-01", ActionCancelled, nil),                                           // left out
		}},
		nil, // an incident with no records yet
	} {
		row.measure(f, now, berlin)
	}
	if row.Incidents != 7 || row.Published != 3 {
		t.Errorf("incidents %d, published %d", row.Incidents, row.Published)
	}
	if want := (OnTimeCount{Total: 4, OnTime: 1, Late: 1, Overdue: 1, Open: 1}); row.Postmortems != want {
		t.Errorf("postmortems %+v, want %+v", row.Postmortems, want)
	}
	if want := (OnTimeCount{Total: 4, OnTime: 1, Late: 1, Overdue: 1, Open: 1}); row.ActionItems != want {
		t.Errorf("action items %+v, want %+v", row.ActionItems, want)
	}
}
