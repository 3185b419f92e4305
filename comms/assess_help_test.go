package comms

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/sqlstore"
)

// TestAssessAskAndNudge: right after declaration the first responder is
// asked the three questions; if one is still unanswered at assess-target
// (5m), the IC is nudged and the timeline notes it. Answered in time,
// nobody is nudged.
func TestAssessAskAndNudge(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), "")
		inc := e.declare("ada", warroom.Declaration{Title: "checkout down", Severity: warroom.SEV3})
		e.at(0)
		if n := count(e.messages(inc.ID, "ada"), "assess the impact"); n != 1 {
			t.Fatalf("first responder asked %d times: %q", n, e.messages(inc.ID, "ada"))
		}
		e.clock.Set(t0.Add(2 * time.Minute))
		e.exec("ada", inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: e.users["bob"].ID})
		e.exec("ada", inc.Ref, warroom.Assess{WhoAffected: "EU customers", StartedAt: &t0})
		e.at(4*time.Minute + 59*time.Second)
		if n := count(e.messages(inc.ID, "bob"), "assessment incomplete"); n != 0 {
			t.Fatal("nudged before assess-target")
		}
		e.at(5 * time.Minute)
		if n := count(e.messages(inc.ID, "bob"), "assessment incomplete after 5m"); n != 1 {
			t.Fatalf("IC nudged %d times: %q", n, e.messages(inc.ID, "bob"))
		}
		tl, err := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if last := tl[len(tl)-1]; last.Type != warroom.EntryNote || !strings.Contains(last.Text, "no answer yet to actual_impact") {
			t.Errorf("timeline ends with %+v", last)
		}

		done := e.declare("cy", warroom.Declaration{Title: "search slow", Severity: warroom.SEV3})
		e.exec("cy", done.Ref, warroom.Assess{WhoAffected: "nobody yet", ActualImpact: "slow search", StartedAt: &t0})
		e.at(11 * time.Minute)
		if n := count(e.messages(done.ID, "cy"), "assessment incomplete"); n != 0 {
			t.Errorf("nudged although answered")
		}
	})
}

// TestNeedHelp pages a team's members once, invites them, and notes it.
func TestNeedHelp(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), "")
		team := &warroom.Team{Slug: "dba", Name: "DBA"}
		if err := e.store.CreateTeam(e.ctx, team); err != nil {
			t.Fatal(err)
		}
		e.user("dora", team.ID)
		e.user("dino", team.ID)
		inc := e.declare("ada", warroom.Declaration{Title: "replication lag", Severity: warroom.SEV2, Private: true})
		e.at(0)
		if _, err := e.svc.RequestHelp(e.ctx, e.actor("ada"), inc.Ref, warroom.RequestHelp{Team: "dba", Reason: "not sure how to fix it"},
			warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.at(time.Minute)
		for _, h := range []string{"dora", "dino"} {
			if n := count(e.messages(inc.ID, h), "needs your help"); n != 1 {
				t.Errorf("%s paged %d times", h, n)
			}
		}
		got, err := e.store.FindIncident(e.ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.IsParticipant(e.users["dora"].ID) || !got.VisibleTo(e.actor("dino")) {
			t.Errorf("helpers cannot see the private incident: %v", got.Participants)
		}
		tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		if last := tl[len(tl)-1]; !strings.Contains(last.Text, "Paged for help (team \"dba\"): @dora, @dino") &&
			!strings.Contains(last.Text, "Paged for help (team \"dba\"): @dino, @dora") {
			t.Errorf("timeline ends with %+v", last)
		}
		if _, err := e.svc.RequestHelp(e.ctx, e.actor("bob"), inc.Ref, warroom.RequestHelp{Team: "dba", Reason: "x"}, warroom.Idempotency{}); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Errorf("an outsider asked for help on a private incident: %v", err)
		}
	})
}

// TestUpdateReplay: the same idempotency key sends one update.
func TestUpdateReplay(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), "")
		inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV3})
		key := warroom.Idempotency{UserID: e.users["ada"].ID, Key: "k1", RequestHash: "h"}
		u1, err := e.svc.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, UpdateInput{Audience: warroom.AudienceInternal, Body: "b"}, key)
		if err != nil {
			t.Fatal(err)
		}
		u2, err := e.svc.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, UpdateInput{Audience: warroom.AudienceInternal, Body: "b"}, key)
		if err != nil {
			t.Fatal(err)
		}
		list, _ := e.svc.ListUpdates(e.ctx, e.actor("ada"), inc.Ref, "")
		if u1.ID != u2.ID || len(list) != 1 {
			t.Errorf("replayed: %s %s, %d updates", u1.ID, u2.ID, len(list))
		}
	})
}

// TestDeliveryRetries: a relay answering 4xx leaves the delivery pending
// with the reason and the engine retries it; a 5xx fails it at once.
func TestDeliveryRetries(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		for _, c := range []struct {
			reply, state string
			retry        bool
		}{{"451 4.3.0 try again later", warroom.DeliveryPending, true}, {"550 5.1.1 no such user", warroom.DeliveryFailed, false}} {
			smtp := smtptest.New(t, smtptest.Config{RcptReply: c.reply})
			e := newEnv(t, open(t), smtp.Addr())
			admin := warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
			if _, err := e.svc.CreateCustomer(e.ctx, admin, CustomerInput{Name: "Acme", Contacts: []warroom.CustomerContact{{Email: "ops@acme.test"}}}); err != nil {
				t.Fatal(err)
			}
			inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV3, Impact: warroom.Impact{Customers: []string{"Acme"}}})
			if _, err := e.svc.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, UpdateInput{Audience: warroom.AudienceCustomers, Body: "b"}, warroom.Idempotency{}); err != nil {
				t.Fatal(err)
			}
			e.at(0)
			ds, _ := e.store.ListDeliveries(e.ctx, inc.ID)
			if len(ds) != 1 || ds[0].State != c.state || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, c.reply[:3]) {
				t.Fatalf("%s: %+v", c.reply, ds[0])
			}
			e.at(2 * time.Second)
			ds, _ = e.store.ListDeliveries(e.ctx, inc.ID)
			if tries := map[bool]int{true: 2, false: 1}[c.retry]; ds[0].Attempts != tries {
				t.Errorf("%s: %d attempts after the backoff, want %d", c.reply, ds[0].Attempts, tries)
			}
		}
	})
}
