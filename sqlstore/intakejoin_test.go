package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/warroom/warroom"
)

func TestJoinAtIntake(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"LinksOnlyToTheGroupsOpenIncident", testJoinAtIntake},
	})
}

// The forecast names an incident for the alerts of some groups; the store
// links a new alert to it only if that is the incident recorded for its
// group and open, leaves it out of the route job, and schedules one
// alert.joined note per group and window. Alerts of other groups, or
// forecast to an incident that is not their group's, are routed as usual.
// One delivery mixes them, so that the SQLite insert's runs of one
// incident are exercised.
func testJoinAtIntake(t *testing.T, p *pagingFixture) {
	res, _ := p.declareFor("g1", "decl-1")
	inc := res.Incident.ID
	p.declareFor("g3", "decl-3")
	p.s.SetRouteQueue(func(_ context.Context, _ string, _, groups []string) warroom.RouteForecast {
		f := warroom.RouteForecast{Joins: make([]string, len(groups))}
		for i, g := range groups {
			switch g {
			case "g1", "g2":
				f.Joins[i] = inc // right for g1; g2 has no incident
			case "g3":
				f.Joins[i] = inc // g3's incident is another one
			}
		}
		return f
	})
	var updates []warroom.AlertUpdate
	groups := []string{"g1", "g1", "g2", "g1", "g3", "", "g1"}
	for i, g := range groups {
		u := update(p.am, "trigger", fmt.Sprintf("a-%d", i), "Instance down")
		u.Alert.GroupKey, u.Alert.Severity = g, "critical"
		updates = append(updates, u)
	}
	results := p.ingest(p.am, updates...)
	var routed []any
	for i, r := range results {
		a := p.alert(r.AlertID)
		want := ""
		if groups[i] == "g1" {
			want = inc
		} else {
			routed = append(routed, r.AlertID)
		}
		if a.IncidentID != want || r.Outcome != warroom.IngestCreated {
			t.Errorf("alert of group %q: incident %q (%s), want %q", groups[i], a.IncidentID, r.Outcome, want)
		}
	}
	route := p.jobsOf(JobAlertRoute)
	if len(route) != 1 || fmt.Sprint(route[0].Payload["alert_ids"]) != fmt.Sprint(routed) {
		t.Fatalf("route jobs %+v, want one for %v", route, routed)
	}
	notes := p.jobsOf(JobAlertJoined)
	if len(notes) != 1 || notes[0].Payload["incident_id"] != inc || notes[0].Payload["group_key"] != "g1" {
		t.Fatalf("alert.joined jobs %+v, want one for g1", notes)
	}
	n, first, err := p.s.CountGroupAlerts(p.ctx, inc, p.svc.ID, "g1", notes[0].DueAt.Add(-JoinNoteWindow), notes[0].DueAt)
	if err != nil || n != 4 || first != results[0].AlertID {
		t.Fatalf("CountGroupAlerts = %d, %s, %v; want the 4 alerts of g1, the first %s", n, first, err, results[0].AlertID)
	}
}
