package warroom_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func ptr[T any](v T) *T { return &v }

func fullInput() warroom.ActionItemInput {
	return warroom.ActionItemInput{Title: ptr("Alert on disk usage"), OwnerID: ptr("u-bob"), TargetDate: ptr("2025-03-20"),
		Category: ptr(warroom.CategoryImproveMonitoring), Criticality: ptr(warroom.CriticalityHigh)}
}

// TestNewActionItem: the required fields, the past target date (in the
// organisation's zone), unknown values, and a viewer are refused.
func TestNewActionItem(t *testing.T) {
	r := newRun(t)
	now := at(time.Hour) // 2025-03-10 10:00 UTC
	it, err := warroom.NewActionItem(r.inc, ada, "ai-1", 1, fullInput(), now, time.UTC)
	if err != nil || it.Status != warroom.ActionOpen || it.OwnerID != "u-bob" || it.Number != 1 || it.IncidentID != "inc-1" {
		t.Fatalf("new item %+v %v", it, err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	cases := []struct {
		name  string
		edit  func(in *warroom.ActionItemInput)
		loc   *time.Location
		field string
	}{
		{"no title", func(in *warroom.ActionItemInput) { in.Title = ptr("  ") }, time.UTC, "title"},
		{"no owner", func(in *warroom.ActionItemInput) { in.OwnerID = nil }, time.UTC, "owner"},
		{"no date", func(in *warroom.ActionItemInput) { in.TargetDate = nil }, time.UTC, "target_date"},
		{"no category", func(in *warroom.ActionItemInput) { in.Category = nil }, time.UTC, "category"},
		{"bad date", func(in *warroom.ActionItemInput) { in.TargetDate = ptr("20/03/2025") }, time.UTC, "target_date"},
		{"past date", func(in *warroom.ActionItemInput) { in.TargetDate = ptr("2025-03-09") }, time.UTC, "target_date"},
		// 10:00 UTC is 19:00 in Tokyo, still the 10th; the 9th is past there too.
		{"past in zone", func(in *warroom.ActionItemInput) { in.TargetDate = ptr("2025-03-09") }, tokyo, "target_date"},
		{"bad category", func(in *warroom.ActionItemInput) { in.Category = ptr(warroom.ActionCategory("luck")) }, time.UTC, "category"},
		{"bad criticality", func(in *warroom.ActionItemInput) { in.Criticality = ptr(warroom.Criticality("meh")) }, time.UTC, "criticality"},
		{"two lines", func(in *warroom.ActionItemInput) { in.Title = ptr("a\nb") }, time.UTC, "title"},
	}
	for _, c := range cases {
		in := fullInput()
		c.edit(&in)
		_, err := warroom.NewActionItem(r.inc, ada, "ai-2", 2, in, now, c.loc)
		wantErr(t, err, warroom.EInvalid, c.field, "")
	}
	if _, err := warroom.NewActionItem(r.inc, ada, "ai-2", 2, func() warroom.ActionItemInput {
		in := fullInput()
		in.TargetDate = ptr("2025-03-10")
		return in
	}(), now, time.UTC); err != nil {
		t.Errorf("today is not past: %v", err)
	}
	_, err = warroom.NewActionItem(r.inc, vic, "ai-3", 3, fullInput(), now, time.UTC)
	wantErr(t, err, warroom.EForbidden, "", "")
	// Late in the evening of the 9th in New York is already the 10th in
	// UTC: the zone decides what "today" is.
	ny, _ := time.LoadLocation("America/New_York")
	in := fullInput()
	in.TargetDate = ptr("2025-03-09")
	if _, err := warroom.NewActionItem(r.inc, ada, "ai-4", 4, in, time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC), ny); err != nil {
		t.Errorf("the 9th in New York at 22:00: %v", err)
	}
}

// TestChangeActionItem: done stamps the time, an unchanged past date is
// kept, a new past date refused, the owner cannot be removed.
func TestChangeActionItem(t *testing.T) {
	r := newRun(t)
	it, err := warroom.NewActionItem(r.inc, ada, "ai-1", 1, fullInput(), at(0), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC) // after the target date
	done, err := warroom.ChangeActionItem(it, bob, warroom.ActionItemInput{Status: ptr(warroom.ActionDone), TargetDate: ptr("2025-03-20")}, later, time.UTC)
	if err != nil || done.Status != warroom.ActionDone || !done.DoneAt.Equal(later) || done.Version != 2 || it.Status != warroom.ActionOpen {
		t.Fatalf("done %+v %v", done, err)
	}
	_, err = warroom.ChangeActionItem(it, bob, warroom.ActionItemInput{TargetDate: ptr("2025-03-25")}, later, time.UTC)
	wantErr(t, err, warroom.EInvalid, "target_date", "target date 2025-03-25 is in the past (today is 2025-04-01)")
	_, err = warroom.ChangeActionItem(it, bob, warroom.ActionItemInput{OwnerID: ptr("")}, later, time.UTC)
	wantErr(t, err, warroom.EInvalid, "owner", "")
	_, err = warroom.ChangeActionItem(it, bob, warroom.ActionItemInput{TicketURL: ptr("javascript:alert(1)")}, later, time.UTC)
	wantErr(t, err, warroom.EInvalid, "ticket_url", "")
	reopened, err := warroom.ChangeActionItem(done, bob, warroom.ActionItemInput{Status: ptr(warroom.ActionInProgress)}, later, time.UTC)
	if err != nil || reopened.DoneAt != nil {
		t.Fatalf("reopened %+v %v", reopened, err)
	}
	if !it.Overdue(later, time.UTC) || done.Overdue(later, time.UTC) || it.Overdue(at(0), time.UTC) {
		t.Error("overdue")
	}
}

// TestActionItemReminders: due at 09:00 on the target date and overdue at
// 09:00 the day after, in the organisation's zone, across a DST change and
// a year end.
func TestActionItemReminders(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		date         string
		loc          *time.Location
		due, overdue string
	}{
		{"2025-03-20", time.UTC, "2025-03-20T09:00:00Z", "2025-03-21T09:00:00Z"},
		// Berlin moves to summer time on 2025-03-30.
		{"2025-03-29", berlin, "2025-03-29T08:00:00Z", "2025-03-30T07:00:00Z"},
		{"2025-12-31", berlin, "2025-12-31T08:00:00Z", "2026-01-01T08:00:00Z"},
	}
	for _, c := range cases {
		due, overdue, err := warroom.ActionItemReminders(&warroom.ActionItem{TargetDate: c.date}, c.loc)
		if err != nil || due.Format(time.RFC3339) != c.due || overdue.Format(time.RFC3339) != c.overdue {
			t.Errorf("%s in %s: %s %s %v", c.date, c.loc, due, overdue, err)
		}
	}
	// Weekly while overdue, at 09:00 local across the change to summer
	// time: the 20th of March is 08:00 UTC, the 3rd of April 07:00 UTC.
	it := &warroom.ActionItem{TargetDate: "2025-03-19"}
	for round, want := range []string{"2025-03-20T08:00:00Z", "2025-03-27T08:00:00Z", "2025-04-03T07:00:00Z"} {
		if got, err := warroom.OverdueReminder(it, berlin, round); err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("overdue round %d: %s %v, want %s", round, got, err, want)
		}
	}
}

// TestCloseGate: only the Incident Owner closes; a required postmortem
// must be published, a paged incident needs a follow-up, items need a
// ticket when a tracker is configured.
func TestCloseGate(t *testing.T) {
	major := decl()
	major.Severity = warroom.SEV1
	r := declareRun(t, major, ada, at(0), warroom.DefaultPolicy())
	r.stageTo(warroom.StageResolved, ada, at(time.Minute))
	inc := r.inc
	err := warroom.CheckClose(inc, bob, warroom.CloseFacts{})
	wantErr(t, err, warroom.EForbidden, "", "only the Incident Owner closes INC-7; ask them, or take the Incident Owner role over first")
	err = warroom.CheckClose(inc, ada, warroom.CloseFacts{Paged: true})
	wantErr(t, err, warroom.EConflict, "", "INC-7 cannot close yet: the postmortem is required (it is a major incident) and is draft, not published; "+
		"it paged someone, so it needs at least one follow-up action item")
	published := warroom.NewPostmortem(inc.ID)
	published.State = warroom.PostmortemPublished
	items := []*warroom.ActionItem{item(1)}
	if err := warroom.CheckClose(inc, ada, warroom.CloseFacts{Postmortem: published, Paged: true, Items: items}); err != nil {
		t.Errorf("ready: %v", err)
	}
	err = warroom.CheckClose(inc, ada, warroom.CloseFacts{Postmortem: published, Paged: true, Items: items, TicketsRequired: true})
	wantErr(t, err, warroom.EConflict, "", "INC-7 cannot close yet: action item #1 (add an alert) has no ticket")
	items[0].TicketKey = "SRE-12"
	if err := warroom.CheckClose(inc, ada, warroom.CloseFacts{Postmortem: published, Items: items, TicketsRequired: true}); err != nil {
		t.Errorf("with ticket: %v", err)
	}
	// A minor incident that paged nobody closes with nothing.
	minor := newRun(t)
	minor.stageTo(warroom.StageResolved, ada, at(time.Minute))
	if m := warroom.CloseMissing(minor.inc, warroom.CloseFacts{}); len(m) != 0 {
		t.Errorf("minor: %q", m)
	}
	// Handing the Incident Owner role over hands closing over.
	minor.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentOwner, UserID: "u-bob", Reason: "shift ends"}, at(time.Hour))
	if err := warroom.CheckClose(minor.inc, bob, warroom.CloseFacts{}); err != nil {
		t.Errorf("new owner: %v", err)
	}
	if !strings.Contains(warroom.ErrorMessage(warroom.CheckClose(minor.inc, ada, warroom.CloseFacts{})), "only the Incident Owner") {
		t.Error("the previous owner may still close")
	}
}

// TestPostmortemEventsOnClosedIncident: the publication and a done item
// are recorded on a closed incident's timeline and change nothing else.
func TestPostmortemEventsOnClosedIncident(t *testing.T) {
	r := newRun(t)
	r.stageTo(warroom.StageClosed, ada, at(time.Minute))
	before := r.inc.Stage
	evs := r.do(bob, warroom.RecordPostmortemPublished{}, at(time.Hour))
	evs = append(evs, r.do(bob, warroom.RecordActionItemDone{Item: item(2)}, at(time.Hour))...)
	if len(evs) != 2 || evs[0].Type != warroom.EventPostmortemPublished || evs[1].Text != "action item #2 (add an alert) done" || r.inc.Stage != before {
		t.Fatalf("events %+v", evs)
	}
	if got := warroom.Describe(&evs[0], handle); got != "postmortem published (decided by @bob)" {
		t.Errorf("describe %q", got)
	}
}
