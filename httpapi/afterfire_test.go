package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
)

// TestHandoffThroughTheAPI: start, team, a refused and a completed brief,
// acknowledgements, and the handoff view.
func TestHandoffThroughTheAPI(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	base := "/api/v1/incidents/" + inc.Ref
	ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/roles", map[string]string{"role": "incident_commander", "user": "ada"}), 200)
	ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/entries", map[string]string{"type": "hypothesis", "text": "disk full"}), 200)

	msg := wantErr(t, e.do("ada", "POST", base+"/handoff", map[string]string{"incoming_commander": "@nobody"}), 400, warroom.EInvalid, "incoming_commander")
	wantMsg(t, msg, `no user "nobody"`)
	wantErr(t, e.do("vic", "POST", base+"/handoff", map[string]string{"incoming_commander": "bob"}), 403, warroom.EForbidden, "")
	wantErr(t, e.do("ada", "POST", base+"/handoff", map[string]any{"incoming": "bob"}), 400, warroom.EInvalid, "incoming")
	ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/handoff", map[string]string{"incoming_commander": "bob"}), 200)
	msg = wantErr(t, e.do("ada", "POST", base+"/handoff/team", map[string]any{"technical_lead": "carol"}), 403, warroom.EForbidden, "")
	wantContains(t, msg, "only the incoming Incident Commander")
	ok[warroom.CommandResult](t, e.do("bob", "POST", base+"/handoff/team", map[string]any{"technical_lead": "carol", "supporting": []string{}}), 200)

	v := ok[afterfire.HandoffView](t, e.do("bob", "GET", base+"/handoff", nil), 200)
	if v.Pending == nil || v.Pending.IncomingTechLead != e.users["carol"].ID || len(v.Draft.OpenHypotheses) != 1 {
		t.Fatalf("view = %+v", v)
	}
	wantMsg(t, strings.Join(v.Missing, "; "), "technical status; the most recent customer update (none was sent: say why in customer_update_note); "+
		"channels in play: chat channel (write none if there is none); channels in play: bridge (write none if there is none); "+
		"channels in play: tracking document (write none if there is none); channels in play: email thread (write none if there is none); "+
		"key people outside the team engaged (write none if nobody)")

	msg = wantErr(t, e.do("ada", "POST", base+"/handoff/complete", map[string]any{"brief": map[string]any{"technical_status": "disk cleaned"}}), 400, warroom.EInvalid, "brief")
	wantContains(t, msg, "the handoff cannot be completed; missing: the most recent customer update")
	before := e.timelineLen(inc.ID)
	brief := map[string]any{"technical_status": "disk cleaned", "customer_update_note": "no customer impact",
		"channels": map[string]string{"chat": "none", "bridge": "none", "tracking_doc": "none", "email_thread": "none"}, "external_people": "none"}
	res := ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/handoff/complete", map[string]any{"brief": brief}), 200)
	if res.Events[0].Type != warroom.EventHandoffCompleted || res.Incident.Holder(warroom.RoleIncidentCommander) != e.users["bob"].ID ||
		res.Incident.Holder(warroom.RoleIncidentOwner) != e.users["ada"].ID || e.timelineLen(inc.ID) <= before {
		t.Fatalf("complete = %+v", res)
	}
	wantErr(t, e.do("ada", "POST", base+"/handoff/acknowledge", nil), 403, warroom.EForbidden, "")
	ok[warroom.CommandResult](t, e.do("bob", "POST", base+"/handoff/acknowledge", nil), 200)
	ok[warroom.CommandResult](t, e.do("carol", "POST", base+"/handoff/acknowledge", map[string]any{}), 200)
	v = ok[afterfire.HandoffView](t, e.do("bob", "GET", base+"/handoff", nil), 200)
	if v.Pending != nil || v.Last == nil || len(v.Last.PendingAcknowledgement()) != 0 {
		t.Fatalf("after = %+v", v)
	}
}

func TestBaselineAndFollowUpsThroughTheAPI(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	hidden := e.declare("ada", "secret", true)
	base := "/api/v1/incidents/" + inc.Ref
	for _, s := range []string{"recovered", "baseline"} {
		ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/stage", map[string]string{"stage": s}), 200)
	}
	c := ok[warroom.SilenceCheck](t, e.do("vic", "GET", base+"/baseline/silences", nil), 200)
	if len(c.Sources) != 0 || len(c.Matching) != 0 {
		t.Errorf("no Alertmanager configured: %+v", c)
	}
	wantErr(t, e.do("bob", "GET", "/api/v1/incidents/"+hidden.Ref+"/baseline/silences", nil), 404, warroom.ENotFound, "")
	msg := wantErr(t, e.do("ada", "POST", base+"/baseline", map[string]any{"checklist": map[string]bool{"resilience_restored": true}}), 409, warroom.EConflict, "")
	wantMsg(t, msg, "the return to baseline cannot complete; missing: manual changes persisted as configuration (changes_persisted); monitoring back to baseline (monitoring_baseline)")
	res := ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/baseline", map[string]any{"checklist": map[string]any{
		"resilience_restored": true, "changes_persisted": true, "monitoring_baseline": true, "notes": "replica rebuilt"}}), 200)
	if res.Incident.Stage != warroom.StageResolved || res.Incident.TimelineSession == nil {
		t.Fatalf("after = %+v", res.Incident)
	}
	wantErr(t, e.do("ada", "POST", base+"/follow-ups", map[string]string{"title": ""}), 400, warroom.EInvalid, "title")
	wantErr(t, e.do("ada", "POST", base+"/follow-ups", map[string]string{"title": "x", "proposed_owner": "nobody"}), 400, warroom.EInvalid, "proposed_owner")
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/follow-ups", map[string]string{"title": "alert on disk", "proposed_owner": "@ada"}), 200)
	if d := res.Incident.DraftFollowUps; len(d) != 1 || d[0].ProposedOwner != e.users["ada"].ID {
		t.Fatalf("drafts = %+v", d)
	}
	r := e.do("ada", "POST", base+"/follow-ups", map[string]string{"title": "alert on disk"}, "Idempotency-Key", "k1")
	again := e.do("ada", "POST", base+"/follow-ups", map[string]string{"title": "alert on disk"}, "Idempotency-Key", "k1")
	if r.Status != 200 || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("idempotency: %s / %s", r, again)
	}
	if n := len(ok[warroom.CommandResult](t, again, http.StatusOK).Incident.DraftFollowUps); n != 2 {
		t.Errorf("%d drafts after a replay", n)
	}
}

func TestReviewThroughTheAPI(t *testing.T) {
	e := newEnv(t, nil)
	ics := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20250303\r\nSUMMARY:Carnival\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	wantErr(t, e.do("ada", "PUT", "/api/v1/holiday-calendars/de-bw", map[string]any{"ics": ics}), 403, warroom.EForbidden, "")
	msg := wantErr(t, e.do("root", "PUT", "/api/v1/holiday-calendars/de-bw", map[string]any{"ics": "BEGIN:VCALENDAR\r\n"}), 400, warroom.EInvalid, "file")
	wantMsg(t, msg, "the holiday calendar cannot be read: the calendar is not closed: END:VCALENDAR is missing")
	wantErr(t, e.do("root", "PUT", "/api/v1/holiday-calendars/de-bw", map[string]any{"ics": ics, "teams": []string{"nope"}}), 400, warroom.EInvalid, "teams")
	c := ok[warroom.HolidayCalendar](t, e.do("root", "PUT", "/api/v1/holiday-calendars/de-bw", map[string]any{"ics": ics, "teams": []string{"sre"}}), 200)
	if len(c.Holidays) != 1 || len(c.Teams) != 1 {
		t.Fatalf("calendar = %+v", c)
	}
	list := ok[struct{ Calendars []warroom.HolidayCalendar }](t, e.do("vic", "GET", "/api/v1/holiday-calendars", nil), 200)
	if len(list.Calendars) != 1 {
		t.Fatalf("list = %+v", list)
	}

	inc := e.declare("ada", "db down", false) // 2025-03-01 10:00 UTC, a Saturday
	base := "/api/v1/incidents/" + inc.Ref
	v := ok[afterfire.ReviewView](t, e.do("vic", "GET", base+"/review", nil), 200)
	if v.Review != nil {
		t.Fatalf("review before recovery = %+v", v)
	}
	at := epoch.Add(49 * time.Hour).Format(time.RFC3339)
	msg = wantErr(t, e.do("ada", "POST", base+"/review", map[string]any{"at": at}), 409, warroom.EConflict, "")
	wantContains(t, msg, "is not recovered yet")
	ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/stage", map[string]string{"stage": "recovered"}), 200)
	wantErr(t, e.do("vic", "POST", base+"/review", map[string]any{"at": at}), 403, warroom.EForbidden, "")
	wantErr(t, e.do("ada", "POST", base+"/review", map[string]any{"at": at, "minutes": 5}), 400, warroom.EInvalid, "minutes")
	v = ok[afterfire.ReviewView](t, e.do("ada", "POST", base+"/review", map[string]any{"at": at, "location": "room 4"}), 200)
	// Recovered Saturday 1 March; Monday 3 March is a holiday of ada's
	// team's calendar: Tue 4 to Mon 10.
	if v.Review.LastDay.String() != "2025-03-10" || v.Review.Calendar != "de-bw" || v.Review.Minutes != 60 ||
		!strings.Contains(v.Invitation, "METHOD:REQUEST") || !strings.Contains(v.Invitation, "LOCATION:room 4") {
		t.Fatalf("scheduled = %+v", v)
	}
	wantErr(t, e.do("ada", "POST", base+"/review/attendance", map[string]any{"attended": []string{"nobody"}}), 400, warroom.EInvalid, "attended")
	v = ok[afterfire.ReviewView](t, e.do("ada", "POST", base+"/review/attendance", map[string]any{"attended": []string{"ada", "@bob"}}), 200)
	if v.Review.HeldAt == nil || len(v.Review.Attended) != 2 || v.People[e.users["bob"].ID] != "@bob" {
		t.Fatalf("held = %+v", v)
	}
}
