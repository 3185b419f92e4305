package comms

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

func count(list []string, substr string) int {
	n := 0
	for _, s := range list {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

// TestCadenceRemindsAndTellsIC runs an hour and five minutes of a major
// incident that affects customers on a test clock: the owner is reminded
// before each update is due (the IC while nobody is Communications Lead,
// then the Communications Lead), the IC is told when a deadline passes,
// and the cadence report counts updates sent, deadlines missed and the
// longest gap. Jobs run twice send nothing twice.
func TestCadenceRemindsAndTellsIC(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), "")
		inc := e.declare("ada", warroom.Declaration{Title: "checkout down", Severity: warroom.SEV2,
			Impact: warroom.Impact{CustomerImpact: true}})
		e.exec("ada", inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: e.users["ada"].ID})
		e.at(0)
		e.at(24 * time.Minute)
		if n := count(e.messages(inc.ID, "ada"), "internal update due"); n != 0 {
			t.Fatalf("reminded %d times 6 minutes before the deadline", n)
		}
		e.at(25 * time.Minute)
		if n := count(e.messages(inc.ID, "ada"), "internal update due by 13:30 UTC"); n != 1 {
			t.Fatalf("IC (owner while there is no CL) reminded %d times at 25m: %q", n, e.messages(inc.ID, "ada"))
		}
		e.clock.Set(t0.Add(26 * time.Minute))
		e.exec("ada", inc.Ref, warroom.AssignRole{Role: warroom.RoleCommunicationsLead, UserID: e.users["bob"].ID})
		e.at(29 * time.Minute)
		if n := count(e.messages(inc.ID, "ada"), "internal update is late"); n != 0 {
			t.Fatalf("IC told of a late update before the deadline")
		}
		e.at(30 * time.Minute)
		if n := count(e.messages(inc.ID, "ada"), "internal update is late"); n != 1 {
			t.Fatalf("IC told %d times at the deadline: %q", n, e.messages(inc.ID, "ada"))
		}
		e.clock.Set(t0.Add(40 * time.Minute))
		if _, err := e.svc.SendUpdate(e.ctx, e.actor("bob"), inc.Ref, UpdateInput{Audience: warroom.AudienceInternal,
			Body: "rolling back"}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.at(40 * time.Minute)
		e.at(55 * time.Minute)
		if n := count(e.messages(inc.ID, "bob"), "customers update due by 14:00 UTC"); n != 1 {
			t.Fatalf("CL reminded of the customer update %d times: %q", n, e.messages(inc.ID, "bob"))
		}
		e.at(60 * time.Minute)
		if n := count(e.messages(inc.ID, "ada"), "customers update is late"); n != 1 {
			t.Fatalf("IC told of the late customer update %d times", n)
		}
		e.at(65 * time.Minute)
		if n := count(e.messages(inc.ID, "bob"), "internal update due by 14:10 UTC"); n != 1 {
			t.Fatalf("CL reminded of the next internal update %d times: %q", n, e.messages(inc.ID, "bob"))
		}

		// Every cadence look run again at the same instant schedules the
		// same keyed jobs: nothing is sent twice.
		now := e.clock.Now()
		for range 2 {
			jobs, err := e.svc.cadenceJob(e.ctx, newJob(KindCadence, "", now, IncidentPayload{IncidentID: inc.ID}), now)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.store.Enqueue(e.ctx, jobs...); err != nil {
				t.Fatal(err)
			}
			e.run()
		}
		ada, bob := e.messages(inc.ID, "ada"), e.messages(inc.ID, "bob")
		if count(ada, "internal update is late") != 1 || count(ada, "customers update is late") != 1 ||
			count(bob, "internal update due by 14:10") != 1 || count(ada, "internal update due by 13:30") != 1 {
			t.Fatalf("sent twice: ada %q, bob %q", ada, bob)
		}

		r, err := e.svc.Cadence(e.ctx, e.actor("cy"), inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		in, cu := r.Audiences[0], r.Audiences[1]
		if in.Sent != 1 || in.Missed != 1 || time.Duration(in.LongestGap) != 40*time.Minute || in.State != warroom.CadenceDue ||
			in.OwnerID != e.users["bob"].ID || in.DueAt == nil || !in.DueAt.Equal(t0.Add(70*time.Minute)) {
			t.Errorf("internal cadence %+v", in)
		}
		if cu.Sent != 0 || cu.Missed != 1 || time.Duration(cu.LongestGap) != 65*time.Minute || cu.State != warroom.CadenceLate {
			t.Errorf("customer cadence %+v", cu)
		}
		kinds := strings.Join(e.hook.kinds(), ",")
		for _, k := range []string{NoticeAssess, NoticeAssessLate, NoticeUpdateDue, NoticeUpdateLate} {
			if !strings.Contains(kinds, k) {
				t.Errorf("the chat hook had no %s notice: %s", k, kinds)
			}
		}
	})
}
