package paging_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestPrivateIncidentAlerts: the pager's own alert operations check, as
// the person acting, whether they may see the alert (an alert of a
// private incident is part of it) before they write anything, and answer
// someone outside it word for word as for an alert that does not exist.
// The pages bob gets for the alert, by a real webhook, name no incident,
// and his signed link acknowledges the alert without touching the
// incident. On SQLite and, with WARROOM_TEST_POSTGRES, PostgreSQL.
func TestPrivateIncidentAlerts(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { testPrivateIncidentAlerts(t, db == "postgres") })
	}
}

func testPrivateIncidentAlerts(t *testing.T, postgres bool) {
	w := newWorld(t, postgres)
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.bob, contactRule{warroom.ContactWebhook, w.hook.url("/bob"), 0})
	_, in := p.service("auth", p.policy("oncall", 3, 5*time.Minute, users(who.bob)))
	// warroom declares for the critical alert and pages bob, who is on
	// call; ada then makes the incident private (it waits for a person,
	// so its alert's escalation goes on) and renames it.
	secret := p.alert(in, "trigger", "fp-keys", "critical", "Keys in a public repository")
	p.drain()
	linked := p.findAlert(secret).IncidentID
	if linked == "" {
		t.Fatal("no incident was declared for the critical alert")
	}
	if _, err := p.inc.Execute(w.ctx, who.ada.Actor(), linked, warroom.SetPrivacy{Private: true, Reason: "security"}, warroom.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	res, err := p.inc.Execute(w.ctx, who.ada.Actor(), linked, warroom.UpdateDetails{Title: "Credential leak"}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	priv := res.Incident
	if !priv.Private || priv.AcknowledgedAt != nil || !priv.IsParticipant(who.ada.ID) {
		t.Fatalf("the private incident: %+v", priv)
	}
	pagedBefore := len(w.hook.to("/bob"))
	res, err = p.inc.Declare(w.ctx, who.carol.Actor(), warroom.Declaration{Title: "Login slow", Severity: warroom.SEV3,
		Detection: warroom.DetectedByMonitoring}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	public := res.Incident
	p.drain()
	leaks := func(text string) []string {
		var out []string
		for _, s := range []string{priv.ID, priv.Ref, priv.Title} {
			if strings.Contains(text, s) {
				out = append(out, s)
			}
		}
		return out
	}
	tl, publicTL := len(p.timeline(priv.ID)), len(p.timeline(public.ID))
	const ghost = "01960000-0000-7000-8000-000000000000"
	missing := func(err error, id string) string { return strings.ReplaceAll(warroom.ErrorMessage(err), id, "ID") }

	// bob, outside it: refused before anything is written, in the words
	// for an alert that does not exist, naming nothing of the incident.
	bob := who.bob.Actor()
	_, err = p.pager.AcknowledgeAlert(w.ctx, bob, secret)
	_, errGhost := p.pager.AcknowledgeAlert(w.ctx, bob, ghost)
	if warroom.ErrorCode(err) != warroom.ENotFound || missing(err, secret) != missing(errGhost, ghost) || leaks(warroom.ErrorMessage(err)) != nil {
		t.Errorf("bob acknowledging: %v; an unknown alert: %v", err, errGhost)
	}
	_, err = p.pager.DeclareFromAlert(w.ctx, bob, secret, warroom.SEV3)
	_, errGhost = p.pager.DeclareFromAlert(w.ctx, bob, ghost, warroom.SEV3)
	if warroom.ErrorCode(err) != warroom.ENotFound || missing(err, secret) != missing(errGhost, ghost) || leaks(warroom.ErrorMessage(err)) != nil {
		t.Errorf("bob declaring from it: %v; from an unknown alert: %v", err, errGhost)
	}
	_, err = p.pager.AttachAlerts(w.ctx, bob, public.Ref, []string{secret}, warroom.Idempotency{})
	_, errGhost = p.pager.AttachAlerts(w.ctx, bob, public.Ref, []string{ghost}, warroom.Idempotency{})
	if warroom.ErrorCode(err) != warroom.EInvalid || missing(err, secret) != missing(errGhost, ghost) || leaks(warroom.ErrorMessage(err)) != nil {
		t.Errorf("bob attaching it elsewhere: %v; an unknown alert: %v", err, errGhost)
	}
	p.drain()
	if a := p.findAlert(secret); a.Status != warroom.AlertFiring || a.IncidentID != priv.ID {
		t.Fatalf("refused calls changed the alert: %+v", a)
	}
	if n, m := len(p.timeline(priv.ID)), len(p.timeline(public.ID)); n != tl || m != publicTL {
		t.Fatalf("refused calls wrote to the timelines: %d→%d, %d→%d", tl, n, publicTL, m)
	}

	// ada, inside it: the conflicts name it, by ref.
	_, err = p.pager.DeclareFromAlert(w.ctx, who.ada.Actor(), secret, warroom.SEV3)
	if warroom.ErrorCode(err) != warroom.EConflict || !strings.Contains(warroom.ErrorMessage(err), priv.Ref) {
		t.Errorf("ada declaring from it: %v", err)
	}
	_, err = p.pager.AttachAlerts(w.ctx, who.ada.Actor(), public.Ref, []string{secret}, warroom.Idempotency{})
	if warroom.ErrorCode(err) != warroom.EConflict || !strings.Contains(warroom.ErrorMessage(err), priv.Ref) {
		t.Errorf("ada attaching it elsewhere: %v", err)
	}

	// The pages bob got since it became private name no incident.
	w.clock.Advance(5 * time.Minute)
	p.drain()
	var link string
	for _, d := range w.hook.to("/bob")[pagedBefore:] {
		if d.AlertID != secret {
			continue
		}
		link = d.AckURL
		fields, _ := json.Marshal(d.Fields)
		if l := leaks(d.Subject + d.Text + d.IncidentID + string(fields)); l != nil {
			t.Errorf("a page to bob shows %q: %+v", l, d.Payload)
		}
	}
	if link == "" {
		t.Fatal("bob was not paged for the alert")
	}

	// His link is his credential: the alert is acknowledged, the
	// incident is not, and the answer names no incident.
	ack, err := p.pager.AcknowledgeByToken(w.ctx, ackToken(t, link))
	if err != nil {
		t.Fatalf("bob's ack link: %v", err)
	}
	answer, _ := json.Marshal(ack)
	if ack.Incident != nil || ack.Alert.Status != warroom.AlertAcknowledged || leaks(string(answer)) != nil {
		t.Errorf("bob's ack link answered %s", answer)
	}
	p.drain()
	if inc := p.incident(priv.ID); inc.IsParticipant(who.bob.ID) || inc.Holder(warroom.RoleIncidentCommander) == who.bob.ID {
		t.Errorf("bob's link made him part of the private incident: %+v", inc)
	}
	if a := p.findAlert(secret); a.Status != warroom.AlertAcknowledged {
		t.Errorf("bob's link did not acknowledge the alert: %+v", a)
	}
}
