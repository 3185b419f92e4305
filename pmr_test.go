package warroom_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestPostmortemReview(t *testing.T) {
	r := newRun(t)
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	r.do(bob, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: cy.UserID}, at(2*time.Minute))
	cal := warroom.NewBusinessCalendar(time.UTC, warroom.DefaultWeekend, nil)
	_, err := warroom.PlanReview(r.inc, cal, 5, at(time.Hour))
	wantErr(t, err, warroom.EConflict, "", "INC-7 is not recovered yet: its Post Mortem Review is due within 5 business days of recovery")
	r.stageTo(warroom.StageRecovered, bob, at(2*time.Hour)) // base is Monday 2025-03-10 09:00 UTC
	rev, err := warroom.PlanReview(r.inc, cal, 5, at(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rev.LastDay.String() != "2025-03-17" || !rev.DueAt.Equal(time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)) ||
		!rev.RemindAt.Equal(time.Date(2025, 3, 17, 9, 0, 0, 0, time.UTC)) || rev.TimeZone != "UTC" {
		t.Errorf("plan = %+v", rev)
	}
	// Required: the IC and the Technical Lead (ada, the first responder);
	// optional: everyone else who took part.
	if strings.Join(rev.Required, ",") != "u-bob,u-ada" || strings.Join(rev.Optional, ",") != "u-cy" {
		t.Errorf("attendees = %v / %v", rev.Required, rev.Optional)
	}

	now := at(4 * time.Hour)
	_, _, err = warroom.ScheduleReview(r.inc, rev, now.Add(-time.Minute), 60, "", now)
	wantErr(t, err, warroom.EInvalid, "at", "the review cannot start in the past")
	_, _, err = warroom.ScheduleReview(r.inc, rev, now.Add(time.Hour), 5, "", now)
	wantErr(t, err, warroom.EInvalid, "minutes", "a review lasts 15 to 480 minutes")
	s1, e1, err := warroom.ScheduleReview(r.inc, rev, time.Date(2025, 3, 12, 14, 0, 0, 0, time.UTC), 60, "https://meet.example/pmr", now)
	if err != nil || s1.Sequence != 0 || e1.Type != warroom.EventReviewScheduled || rev.ScheduledAt != nil {
		t.Fatalf("schedule = %+v %+v %v (the original must not change)", s1, e1, err)
	}
	s2, e2, err := warroom.ScheduleReview(r.inc, s1, time.Date(2025, 3, 18, 10, 0, 0, 0, time.UTC), 45, "", now)
	if err != nil || s2.Sequence != 1 || !strings.HasSuffix(e2.Text, "after the deadline") {
		t.Fatalf("reschedule = %+v %q %v", s2, e2.Text, err)
	}
	people := map[string]*warroom.User{
		ada.UserID: {ID: ada.UserID, Name: "Ada", Email: "ada@example.com"},
		bob.UserID: {ID: bob.UserID, Name: "Bob", Email: "bob@example.com"},
		cy.UserID:  {ID: cy.UserID, Name: "Cy"}, // no address: left out
	}
	inv, err := warroom.ReviewInvitation(r.inc, s2, people, now)
	if err != nil || inv.Sequence != 1 || inv.Organizer.Email != "ada@example.com" || len(inv.Attendees) != 2 || !inv.Attendees[0].Required ||
		!inv.End.Equal(inv.Start.Add(45*time.Minute)) || inv.UID != "pmr-inc-1@warroom" {
		t.Fatalf("invitation = %+v, %v", inv, err)
	}
	if _, err := warroom.ReviewInvitation(r.inc, rev, people, now); warroom.ErrorCode(err) != warroom.EConflict {
		t.Errorf("invitation of an unscheduled review: %v", err)
	}

	_, _, err = warroom.RecordReviewHeld(r.inc, s2, nil, handle, now)
	wantErr(t, err, warroom.EInvalid, "attended", "say who attended the review")
	held, ev, err := warroom.RecordReviewHeld(r.inc, s2, []string{bob.UserID, cy.UserID, cy.UserID}, handle, time.Date(2025, 3, 18, 11, 0, 0, 0, time.UTC))
	if err != nil || len(held.Attended) != 2 || held.HeldAt == nil {
		t.Fatalf("held = %+v %v", held, err)
	}
	if ev.Text != "Post Mortem Review held with @bob, @cy; required but absent: @ada; 11h after the deadline" {
		t.Errorf("held text = %q", ev.Text)
	}
	if held.Overdue(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) || !s2.Overdue(s2.DueAt) || s2.Overdue(s2.DueAt.Add(-time.Second)) {
		t.Error("Overdue")
	}
	if _, _, err := warroom.ScheduleReview(r.inc, held, now.Add(time.Hour), 60, "", now); warroom.ErrorCode(err) != warroom.EConflict {
		t.Errorf("rescheduling a held review: %v", err)
	}
}
