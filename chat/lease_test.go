package chat_test

import (
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
)

// While another process holds an incident's chat work, this one posts
// nothing, and it takes over when that lease ends (the other died).
func TestOneRunAtATimePerIncident(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		inc := e.declare("ada", warroom.Declaration{Title: "held", Severity: "SEV3"})
		if _, err := e.store.LeaseChat(e.ctx, inc.ID, "slack", "other-process", e.clock.Now(), 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		e.run()
		if n := len(e.fake.Calls()); n != 0 {
			t.Fatalf("%d Slack calls while another process held the incident", n)
		}
		st := &chat.State{IncidentID: inc.ID, ChannelID: "CSTOLEN", UpdatedAt: e.clock.Now()}
		if err := e.store.SaveChat(e.ctx, st, "test", e.clock.Now().Add(time.Minute), nil); warroom.ErrorCode(err) != warroom.EConflict {
			t.Fatalf("save without the lease: %v, want conflict", err)
		}
		for range 3 { // looked at again every second, still held
			e.clock.Advance(time.Second)
			e.run()
		}
		if n := len(e.fake.Calls()); n != 0 {
			t.Fatalf("%d Slack calls while another process held the incident", n)
		}
		e.clock.Advance(2 * time.Minute)
		e.run()
		ch := e.fake.Channel("inc1")
		if ch == nil || len(ch.Messages) == 0 {
			t.Fatalf("no takeover after the lease ended: %+v", ch)
		}
		assertOrder(t, ch, []string{"declared SEV3"})

		// A restart on SQLite releases what the dead process held.
		if _, err := e.store.LeaseChat(e.ctx, inc.ID, "slack", "dead-process", e.clock.Now(), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n, err := e.store.ReleaseChatLeases(e.ctx); err != nil || n != 1 {
			t.Fatalf("released %d %v", n, err)
		}
		if _, err := e.store.LeaseChat(e.ctx, inc.ID, "slack", "test", e.clock.Now(), time.Minute); err != nil {
			t.Fatalf("lease after the release: %v", err)
		}
	})
}

// An explicit link (the profile) wins over one found by email, and a
// later link by email does not replace it.
func TestUserLinks(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ada, bob := e.users["ada"].ID, e.users["bob"].ID
		now := e.clock.Now()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(e.store.LinkChatUser(e.ctx, "slack", "U1", ada, false, now))
		must(e.store.LinkChatUser(e.ctx, "slack", "U1", bob, true, now))
		must(e.store.LinkChatUser(e.ctx, "slack", "U1", ada, false, now))
		if id, err := e.store.ChatUser(e.ctx, "slack", "U1"); err != nil || id != bob {
			t.Fatalf("U1 -> %q %v, want bob (explicit)", id, err)
		}
		must(e.store.LinkChatUser(e.ctx, "slack", "U2", bob, false, now.Add(time.Second)))
		if id, err := e.store.ChatUserOf(e.ctx, "slack", bob); err != nil || id != "U1" {
			t.Fatalf("bob -> %q %v, want U1 (explicit)", id, err)
		}
		if _, err := e.store.ChatUser(e.ctx, "teams", "U1"); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("other provider: %v", err)
		}
		if u, err := e.store.FindUserByEmail(e.ctx, "ADA@example.com"); err != nil || u.ID != ada {
			t.Fatalf("by email: %v %v", u, err)
		}
	})
}

func TestPlan(t *testing.T) {
	ic, tl := warroom.RoleIncidentCommander, warroom.RoleTechnicalLead
	kinds := func(a []chat.Action) string {
		s := ""
		for _, x := range a {
			s += string(x.Kind) + " "
		}
		return s
	}
	decl := &warroom.Declaration{Title: "x"}
	for _, c := range []struct {
		e       warroom.Event
		private bool
		want    string
	}{
		{warroom.Event{Type: warroom.EventDeclared, Declaration: decl}, false, "create topic purpose invite post announce announce "},
		{warroom.Event{Type: warroom.EventDeclared, Declaration: decl}, true, "create topic purpose invite post "},
		{warroom.Event{Type: warroom.EventRoleAssigned, Role: ic}, false, "invite post topic purpose "},
		{warroom.Event{Type: warroom.EventRoleAssigned, Role: tl}, false, "invite post topic purpose "},
		{warroom.Event{Type: warroom.EventRoleAssigned, Role: warroom.RoleScribe}, false, "invite post "},
		{warroom.Event{Type: warroom.EventRoleReleased, Role: ic}, false, "post topic purpose "},
		{warroom.Event{Type: warroom.EventParticipantAdded}, false, "invite post "},
		{warroom.Event{Type: warroom.EventStageChanged, Stage: warroom.StageMitigated}, false, "post "},
		{warroom.Event{Type: warroom.EventStageChanged, Stage: warroom.StageClosed}, false, "post archive "},
		{warroom.Event{Type: warroom.EventDetailsChanged}, false, "post topic purpose "},
		{warroom.Event{Type: warroom.EntryDecision}, false, "post "},
		{warroom.Event{Type: warroom.EntryHypothesisUpdate}, false, "post "},
		{warroom.Event{Type: warroom.EventEntryStarred}, false, ""},
	} {
		if got := kinds(chat.Plan(&c.e, c.private, []string{"C1", "C2"})); got != c.want {
			t.Errorf("%s (private %v): %q, want %q", c.e.Type, c.private, got, c.want)
		}
	}
}
