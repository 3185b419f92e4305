package paging_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// A private incident whose first responder picks no Incident Commander:
// at 10 minutes (the injected clock) the IC escalation policy pages the
// lead, who took no part in it. The page invites them, in the transaction
// that stores it: they can see the incident, their page's link makes
// them Incident Commander, and the timeline says why they were invited.
// A second round of the policy invites nobody again.
func TestICPageInvitesToPrivateIncident(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		p := w.start("proc-1")
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
		p.reach(who.lead, contactRule{warroom.ContactEmail, "lead@example.com", 0})
		p.policy("ic-leads", 1, 5*time.Minute, users(who.lead)) // two rounds
		res, err := p.inc.Declare(w.ctx, who.ada.Actor(), warroom.Declaration{Title: "Credential leak", Severity: warroom.SEV3},
			warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		inc := res.Incident
		if _, err := p.inc.Execute(w.ctx, who.ada.Actor(), inc.Ref, warroom.SetPrivacy{Private: true, Reason: "security"}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		p.drain()
		lead := who.lead.Actor()
		if _, err := p.inc.Get(w.ctx, lead, inc.Ref); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("before the page the lead sees the private incident: %v", err)
		}

		w.clock.Advance(10 * time.Minute)
		p.drain()
		mails := w.smtp.received()
		if len(mails) != 1 || mails[0].To != "<lead@example.com>" || !strings.Contains(mails[0].Subject, inc.Ref+" needs an Incident Commander") {
			t.Fatalf("IC page = %+v", mails)
		}
		view, err := p.inc.Get(w.ctx, lead, inc.Ref)
		if err != nil {
			t.Fatalf("the paged lead cannot see the incident: %v", err)
		}
		invited := "invited " + who.lead.ID + ": " + warroom.ReasonPagedToTakeCommand
		if !view.Incident.IsParticipant(who.lead.ID) || !containsLine(p.timeline(inc.ID), invited) {
			t.Fatalf("participants %v; timeline:\n%s", view.Incident.Participants, strings.Join(p.timeline(inc.ID), "\n"))
		}
		if n := strings.Count(strings.Join(p.timeline(inc.ID), "\n"), invited); n != 1 {
			t.Errorf("the lead was invited %d times", n)
		}

		// The IC policy's second round, 5 minutes later, pages the lead
		// again and invites nobody again.
		w.clock.Advance(5 * time.Minute)
		p.drain()
		if n := len(w.smtp.received()); n != 2 {
			t.Fatalf("%d IC pages after the second round, want 2", n)
		}
		if n := strings.Count(strings.Join(p.timeline(inc.ID), "\n"), invited); n != 1 {
			t.Errorf("the lead was invited %d times after the second page", n)
		}

		_, link, _ := strings.Cut(mails[0].Body, "Acknowledge: ")
		ack, err := p.pager.AcknowledgeByToken(w.ctx, ackToken(t, strings.TrimSpace(link)))
		if err != nil {
			t.Fatalf("the lead's link: %v", err)
		}
		if ack.Incident.Holder(warroom.RoleIncidentCommander) != who.lead.ID {
			t.Fatalf("after the lead's ack: %+v", ack)
		}
		for _, m := range p.messages(inc.ID, "") {
			if m.Kind == notify.KindPage && m.State != notify.StateSent {
				t.Errorf("IC page %s is %s", m.ID, m.State)
			}
		}
	})
}
