package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestFollowThroughReport: action items done by their target date count
// on time, done after it late, open past it overdue; a private incident's
// items are left out for those who may not see it; CSV too.
func TestFollowThroughReport(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := envOnStore(t, db)
		inc := e.declare("ada", "checkout fails", false)
		day := func(d int) string { return e.clock.Now().AddDate(0, 0, d).Format(warroom.DateLayout) }
		add := func(who, ref, title, target string) string {
			t.Helper()
			it := ok[warroom.ActionItem](t, e.do(who, "POST", "/api/v1/incidents/"+ref+"/action-items", map[string]any{
				"title": title, "owner": who, "target_date": target, "category": "fix_root_cause"}), http.StatusCreated)
			return it.ID
		}
		early := add("ada", inc.Ref, "fix the pool", day(1))
		late := add("ada", inc.Ref, "alert on the pool", day(1))
		add("ada", inc.Ref, "load test", day(2))
		add("ada", inc.Ref, "chaos day", day(30))
		private := e.declare("bob", "private trouble", true)
		add("bob", private.Ref, "secret fix", day(1))

		ok[warroom.ActionItem](t, e.do("ada", "PATCH", "/api/v1/action-items/"+early, map[string]any{"status": "done"}), 200)
		e.clock.Advance(5 * 24 * time.Hour)
		ok[warroom.ActionItem](t, e.do("ada", "PATCH", "/api/v1/action-items/"+late, map[string]any{"status": "done"}), 200)

		type report struct {
			Followthrough []warroom.FollowThroughRow
		}
		rep := ok[report](t, e.do("ada", "GET", "/api/v1/reports/followthrough?group_by=severity", nil), 200)
		if len(rep.Followthrough) != 2 {
			t.Fatalf("rows %+v", rep.Followthrough)
		}
		all := rep.Followthrough[0]
		if want := (warroom.OnTimeCount{Total: 4, OnTime: 1, Late: 1, Overdue: 1, Open: 1}); all.Incidents != 1 || all.ActionItems != want {
			t.Errorf("ada's follow-through %+v, want 1 incident and items %+v (bob's private incident left out)", all, want)
		}
		if g := rep.Followthrough[1]; g.Label != string(inc.Severity) || g.ActionItems.Total != 4 {
			t.Errorf("group %+v", g)
		}
		admin := ok[report](t, e.do("root", "GET", "/api/v1/reports/followthrough", nil), 200)
		if a := admin.Followthrough[0]; a.Incidents != 2 || a.ActionItems.Overdue != 2 {
			t.Errorf("the admin's follow-through %+v", a)
		}
		r := e.do("ada", "GET", "/api/v1/reports/followthrough?format=csv", nil)
		body := string(r.Body)
		if r.Status != 200 || !strings.HasPrefix(body, "group,incidents,postmortems_due") || !strings.Contains(body, "all incidents,1,0,0,0,0,0,0,4,1,1,1,1") {
			t.Errorf("CSV %d %q", r.Status, body)
		}
		wantErr(t, e.do("ada", "GET", "/api/v1/reports/followthrough?group_by=planet", nil), 400, warroom.EInvalid, "group_by")
	})
}
