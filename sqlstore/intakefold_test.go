package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestFoldAtIntake(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"FoldsNewGroupsAtTheLimit", testFoldAtIntake},
	})
}

// The forecast names the alerts of new groups that the alert incident
// limit folds (RouteForecast.Folds). Below the limit the store does not
// fold them: they are routed (and would declare). At the limit it folds
// them as it stores them: linked to the newest open incident, their
// groups recorded there, no route job, one job of timeline notes; a
// forecast group that has an open incident of its own joins it; an alert
// not forecast to fold is routed as usual.
func testFoldAtIntake(t *testing.T, p *pagingFixture) {
	limit := warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}
	p.s.SetRouteQueue(func(_ context.Context, _ string, _, groups []string) warroom.RouteForecast {
		f := warroom.RouteForecast{Folds: make([]bool, len(groups)), FoldLimit: limit}
		for i, g := range groups {
			f.Folds[i] = g != "plain"
		}
		return f
	})
	ingest := func(prefix string, groups ...string) []warroom.IngestResult {
		t.Helper()
		var updates []warroom.AlertUpdate
		for i, g := range groups {
			u := update(p.am, "trigger", fmt.Sprintf("%s-%d", prefix, i), "Instance down")
			u.Alert.GroupKey, u.Alert.Severity = g, "critical"
			updates = append(updates, u)
		}
		return p.ingest(p.am, updates...)
	}

	// Below the limit: routed, not folded.
	early := ingest("early", "early-group")
	if a := p.alert(early[0].AlertID); a.IncidentID != "" {
		t.Fatalf("below the limit the alert was linked to %s, want it routed", a.IncidentID)
	}
	if jobs := p.jobsOf(JobAlertRoute); len(jobs) != 1 {
		t.Fatalf("%d route jobs below the limit, want 1", len(jobs))
	}

	var incs []*warroom.Incident
	for i := range 3 {
		res, out, err := p.declareLimited(p.tick(), limit, fmt.Sprint("d", i), fmt.Sprint("a-d", i))
		if err != nil || out.Folded || out.Joined {
			t.Fatalf("declaration %d: %+v, %v", i, out, err)
		}
		incs = append(incs, res.Incident)
	}
	newest := incs[2]

	groups := []string{"new-1", "new-1", "new-2", "d1", "plain"}
	results := ingest("storm", groups...)
	want := []string{newest.ID, newest.ID, newest.ID, incs[1].ID, ""}
	for i, r := range results {
		if got := p.alert(r.AlertID).IncidentID; got != want[i] || r.Outcome != warroom.IngestCreated {
			t.Errorf("alert of group %q: incident %q (%s), want %q", groups[i], got, r.Outcome, want[i])
		}
	}
	for _, g := range []string{"new-1", "new-2"} {
		if got, _, err := p.s.GroupIncident(p.ctx, p.svc.ID, g); err != nil || got == nil || got.ID != newest.ID {
			t.Errorf("group %s recorded on %v (%v), want %s", g, got, err, newest.Ref)
		}
	}
	route := p.jobsOf(JobAlertRoute)
	if len(route) != 2 || fmt.Sprint(route[1].Payload["alert_ids"]) != fmt.Sprint([]any{results[4].AlertID}) {
		t.Fatalf("route jobs %+v, want the earlier one and one for the plain alert", route)
	}
	notes := p.jobsOf(JobAlertsFolded)
	if len(notes) != 1 || notes[0].Payload["incident_id"] != newest.ID ||
		!strings.Contains(fmt.Sprint(notes[0].Payload["groups"]), results[0].AlertID) ||
		!strings.Contains(fmt.Sprint(notes[0].Payload["groups"]), results[2].AlertID) {
		t.Fatalf("alert.folded jobs %+v, want one noting the first alerts of new-1 and new-2", notes)
	}
	if n := p.incidentCount(); n != 3 {
		t.Fatalf("%d incidents, want the limit's 3", n)
	}
}
