package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// stage moves an incident and returns the result.
func (e *env) stage(who, ref string, s warroom.Stage, headers ...string) resp {
	e.t.Helper()
	return e.do(who, "POST", "/api/v1/incidents/"+ref+"/stage", map[string]string{"stage": string(s), "reason": "progress"}, headers...)
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	decl := ok[warroom.CommandResult](t, e.do("ada", "POST", "/api/v1/incidents", map[string]any{
		"title": "checkout fails", "summary": "5xx on /pay", "severity": "SEV3", "detection": "monitoring",
		"impact": map[string]any{"description": "payments fail", "users_percent": 20, "customer_impact": true},
	}), http.StatusCreated)
	inc := decl.Incident
	if inc.Ref != "INC-1" || inc.Stage != warroom.StageDeclared || inc.Detection != warroom.DetectedByMonitoring ||
		inc.Impact.UsersPercent != 20 || inc.FirstResponderID != e.users["ada"].ID {
		t.Fatalf("declared %+v", inc)
	}
	if types := eventTypes(decl.Events); !slices.Equal(types, []warroom.EventType{warroom.EventDeclared,
		warroom.EventAcknowledged, warroom.EventRoleAssigned, warroom.EventRoleAssigned}) {
		t.Fatalf("declaration events %v", types)
	}

	path := []warroom.Stage{warroom.StageInvestigating, warroom.StageIdentified, warroom.StageMitigated,
		warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved}
	for _, s := range path {
		e.clock.Advance(5 * time.Minute)
		res := ok[warroom.CommandResult](t, e.stage("ada", inc.Ref, s), 200)
		if res.Incident.Stage != s || len(res.Events) != 1 || res.Events[0].Type != warroom.EventStageChanged || res.Events[0].Stage != s {
			t.Fatalf("to %s: %+v", s, res)
		}
		if !res.Incident.StageTimes[s].Equal(e.clock.Now()) {
			t.Fatalf("stage time of %s = %v, want %v", s, res.Incident.StageTimes[s], e.clock.Now())
		}
	}

	// A resolved incident is reopened by its own command, not a stage change.
	r := e.stage("ada", inc.Ref, warroom.StageInvestigating)
	wantMsg(t, wantErr(t, r, 409, warroom.EConflict, ""), "the incident is resolved; it can move to: closed, or be reopened")
	wantErr(t, e.do("ada", "POST", "/api/v1/incidents/"+inc.Ref+"/reopen", map[string]string{}), 400, warroom.EInvalid, "reason")
	res := ok[warroom.CommandResult](t, e.do("bob", "POST", "/api/v1/incidents/"+inc.Ref+"/reopen",
		map[string]string{"reason": "errors are back"}), 200)
	if res.Incident.Stage != warroom.StageInvestigating || res.Incident.Reopened != 1 || res.Events[0].Type != warroom.EventReopened {
		t.Fatalf("reopened %+v", res)
	}
	// Reopening an open incident is a conflict naming its stage.
	wantMsg(t, wantErr(t, e.do("bob", "POST", "/api/v1/incidents/"+inc.Ref+"/reopen", map[string]string{"reason": "x"}), 409, warroom.EConflict, ""),
		"only a resolved incident can be reopened; INC-1 is investigating")

	for _, s := range []warroom.Stage{warroom.StageMitigated, warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved, warroom.StageClosed} {
		ok[warroom.CommandResult](t, e.stage("ada", inc.Ref, s), 200)
	}
	// Closed: no more stage changes, but notes still go in.
	wantMsg(t, wantErr(t, e.stage("ada", inc.Ref, warroom.StageInvestigating), 409, warroom.EConflict, ""),
		"INC-1 is closed; only notes, stars and corrections can be added")
	ok[warroom.CommandResult](t, e.do("ada", "POST", "/api/v1/incidents/"+inc.Ref+"/entries",
		map[string]string{"type": "note", "text": "postmortem scheduled"}), 200)

	view := ok[warroom.IncidentView](t, e.do("vic", "GET", "/api/v1/incidents/INC-1", nil), 200)
	if view.Incident.Stage != warroom.StageClosed || len(view.NextStage) != 0 || view.People[e.users["bob"].ID] != "@bob" {
		t.Fatalf("view %+v", view)
	}
	if len(view.Timeline) != 4+6+1+5+1 {
		t.Fatalf("timeline has %d events", len(view.Timeline))
	}
	closed := ok[map[string][]warroom.Incident](t, e.do("ada", "GET", "/api/v1/incidents?status=closed", nil), 200)["incidents"]
	if len(closed) != 1 || closed[0].ID != inc.ID {
		t.Fatalf("closed incidents %+v", closed)
	}
	events := ok[map[string][]warroom.Event](t, e.do("ada", "GET", "/api/v1/incidents/INC-1/timeline?after=15&limit=2", nil), 200)["events"]
	if len(events) != 2 || events[0].Seq != 16 || events[1].Seq != 17 {
		t.Fatalf("timeline page %+v", events)
	}
}

func TestIllegalStageTransition(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	msg := wantErr(t, e.stage("ada", inc.Ref, warroom.StageResolved), 409, warroom.EConflict, "")
	wantMsg(t, msg, "the incident is declared and cannot move to resolved; allowed next: investigating, identified, mitigated, recovered")
	ok[warroom.CommandResult](t, e.stage("ada", inc.Ref, warroom.StageRecovered), 200)
	msg = wantErr(t, e.stage("ada", inc.Ref, warroom.StageResolved), 409, warroom.EConflict, "")
	wantMsg(t, msg, "the incident is recovered and cannot move to resolved; allowed next: baseline, investigating")
	if n := e.timelineLen(inc.ID); n != 5 {
		t.Fatalf("%d events, want 5", n)
	}
}

func TestCommands(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false)
	base := "/api/v1/incidents/" + inc.Ref

	res := ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/entries", map[string]string{"type": "hypothesis", "text": "disk full"}), 200)
	hyp := res.Events[0].Seq
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/hypotheses/"+itoa(hyp), map[string]string{"status": "eliminated", "evidence": "df shows 40%"}), 200)
	if h := res.Incident.Hypotheses; len(h) != 1 || h[0].Status != warroom.HypothesisEliminated || h[0].Evidence != "df shows 40%" {
		t.Fatalf("hypotheses %+v", h)
	}
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/entries/"+itoa(hyp)+"/star", nil), 200)
	if !slices.Equal(res.Incident.Starred, []int64{hyp}) {
		t.Fatalf("starred %v", res.Incident.Starred)
	}
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/entries/"+itoa(hyp)+"/star", map[string]bool{"starred": false}), 200)
	if len(res.Incident.Starred) != 0 {
		t.Fatalf("unstarred %v", res.Incident.Starred)
	}
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/entries/"+itoa(hyp)+"/corrections", map[string]string{"text": "disk is full on replica"}), 200)
	if ev := res.Events[0]; ev.Type != warroom.EntryCorrection || ev.Ref != hyp {
		t.Fatalf("correction %+v", ev)
	}
	wantErr(t, e.do("ada", "POST", base+"/entries/999/corrections", map[string]string{"text": "x"}), 400, warroom.EInvalid, "ref")
	wantErr(t, e.do("ada", "POST", base+"/entries", map[string]string{"type": "decision", "text": "failover"}), 400, warroom.EInvalid, "reason")

	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/severity", map[string]string{"severity": "SEV4", "reason": "internal only"}), 200)
	if res.Incident.Severity != warroom.SEV4 {
		t.Fatalf("severity %s", res.Incident.Severity)
	}
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/impact", map[string]any{"impact": map[string]any{"cluster": "eu-1", "frequency": "intermittent"}}), 200)
	if res.Incident.Impact.Cluster != "eu-1" {
		t.Fatalf("impact %+v", res.Incident.Impact)
	}
	at := epoch.Add(-time.Hour)
	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/impact-start", map[string]any{"at": at, "reason": "graphs"}), 200)
	if !res.Incident.ImpactStartedAt.Equal(at) {
		t.Fatalf("impact start %v", res.Incident.ImpactStartedAt)
	}
	// Acknowledge takes an empty body; the declarer already acknowledged.
	wantErr(t, e.do("bob", "POST", base+"/acknowledge", nil), 409, warroom.EConflict, "")

	// PATCH changes only the fields given.
	res = ok[warroom.CommandResult](t, e.do("ada", "PATCH", base, map[string]string{"summary": "replica disk"}), 200)
	if res.Incident.Title != "db down" || res.Incident.Summary != "replica disk" {
		t.Fatalf("details %q %q", res.Incident.Title, res.Incident.Summary)
	}
	res = ok[warroom.CommandResult](t, e.do("ada", "PATCH", base, map[string]string{"title": "replica disk full"}), 200)
	if res.Incident.Title != "replica disk full" || res.Incident.Summary != "replica disk" {
		t.Fatalf("details %q %q", res.Incident.Title, res.Incident.Summary)
	}
	wantErr(t, e.do("ada", "PATCH", base, map[string]string{}), 400, warroom.EInvalid, "")

	res = ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/major", map[string]string{"reason": "exec visibility"}), 200)
	if !res.Incident.Major {
		t.Fatal("not major")
	}
	ok[map[string][]warroom.Incident](t, e.do("ada", "GET", "/api/v1/incidents?major=true", nil), 200)
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t, nil)
	key := []string{"Idempotency-Key", "declare-1"}
	body := map[string]any{"title": "db down", "severity": "SEV3"}
	first := e.do("ada", "POST", "/api/v1/incidents", body, key...)
	a := ok[warroom.CommandResult](t, first, 201)
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("first request marked replayed")
	}
	again := e.do("ada", "POST", "/api/v1/incidents", body, key...)
	b := ok[warroom.CommandResult](t, again, 201)
	if again.Header.Get("Idempotent-Replayed") != "true" || a.Incident.ID != b.Incident.ID || len(b.Events) != len(a.Events) {
		t.Fatalf("retry: %s", again)
	}
	if list := ok[map[string][]warroom.Incident](t, e.do("ada", "GET", "/api/v1/incidents", nil), 200)["incidents"]; len(list) != 1 {
		t.Fatalf("%d incidents after a retried declaration", len(list))
	}
	// Keys belong to their user: bob's same key is a new declaration.
	c := ok[warroom.CommandResult](t, e.do("bob", "POST", "/api/v1/incidents", body, key...), 201)
	if c.Incident.ID == a.Incident.ID {
		t.Fatal("bob got ada's result")
	}

	path := "/api/v1/incidents/" + a.Incident.Ref + "/entries"
	note := map[string]string{"type": "note", "text": "restarting"}
	k := []string{"Idempotency-Key", "note-1"}
	r1 := ok[warroom.CommandResult](t, e.do("ada", "POST", path, note, k...), 200)
	e.clock.Advance(time.Minute)
	retry := e.do("ada", "POST", path, note, k...)
	r2 := ok[warroom.CommandResult](t, retry, 200)
	if retry.Header.Get("Idempotent-Replayed") != "true" || r2.Events[0].Seq != r1.Events[0].Seq || !r2.Events[0].At.Equal(r1.Events[0].At) {
		t.Fatalf("retry %s, first %+v", retry, r1)
	}
	if n := e.timelineLen(a.Incident.ID); n != 5 {
		t.Fatalf("%d events after a retried note, want 5", n)
	}

	// The same key with another body, or on another path, is a conflict.
	r := e.do("ada", "POST", path, map[string]string{"type": "note", "text": "something else"}, k...)
	wantMsg(t, wantErr(t, r, 409, warroom.EConflict, ""), `Idempotency-Key "note-1" was already used for a different request`)
	wantErr(t, e.stage("ada", a.Incident.Ref, warroom.StageInvestigating, k...), 409, warroom.EConflict, "")
	if n := e.timelineLen(a.Incident.ID); n != 5 {
		t.Fatalf("%d events after conflicting keys, want 5", n)
	}

	long := make([]byte, 256)
	for i := range long {
		long[i] = 'k'
	}
	r = e.do("ada", "POST", path, note, "Idempotency-Key", string(long))
	wantMsg(t, wantErr(t, r, 400, warroom.EInvalid, "Idempotency-Key"), "Idempotency-Key must be at most 255 characters")
	ok[warroom.CommandResult](t, e.do("ada", "POST", path, note, "Idempotency-Key", string(long[:255])), 200)
}

func TestPrivateIncidentVisibility(t *testing.T) {
	e := newEnv(t, nil)
	e.declare("bob", "public outage", false)
	priv := e.declare("ada", "secret breach", true)
	id := priv.ID

	// Hidden from bob (responder) and vic (viewer) on every read path,
	// exactly like an incident that does not exist.
	for _, who := range []string{"bob", "vic"} {
		for _, ref := range []string{priv.Ref, id} {
			wantMsg(t, wantErr(t, e.do(who, "GET", "/api/v1/incidents/"+ref, nil), 404, warroom.ENotFound, ""), "incident "+ref+" not found")
			wantMsg(t, wantErr(t, e.do(who, "GET", "/api/v1/incidents/"+ref+"/timeline", nil), 404, warroom.ENotFound, ""), "incident "+ref+" not found")
		}
		for _, q := range []string{"", "?q=secret", "?q=INC-2", "?status=open", "?severity=SEV3"} {
			list := ok[map[string][]warroom.Incident](t, e.do(who, "GET", "/api/v1/incidents"+q, nil), 200)["incidents"]
			for _, inc := range list {
				if inc.ID == id {
					t.Fatalf("%s sees the private incident in /api/v1/incidents%s", who, q)
				}
			}
		}
	}
	// ... and from every command.
	base := "/api/v1/incidents/" + priv.Ref
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", base + "/stage", map[string]string{"stage": "investigating"}},
		{"POST", base + "/entries", map[string]string{"type": "note", "text": "peek"}},
		{"POST", base + "/acknowledge", nil},
		{"POST", base + "/severity", map[string]string{"severity": "SEV1"}},
		{"POST", base + "/privacy", map[string]any{"private": false}},
		{"POST", base + "/participants", map[string]string{"user": "bob"}},
		{"POST", base + "/roles", map[string]string{"role": "incident_commander", "user": "bob"}},
		{"POST", base + "/entries/1/star", nil},
		{"PATCH", base, map[string]string{"title": "nothing to see"}},
	} {
		msg := wantErr(t, e.do("bob", c.method, c.path, c.body), 404, warroom.ENotFound, "")
		wantMsg(t, msg, "incident "+priv.Ref+" not found")
		// Word for word what a nonexistent incident answers.
		msg = wantErr(t, e.do("bob", c.method, strings.Replace(c.path, priv.Ref, "INC-99", 1), c.body), 404, warroom.ENotFound, "")
		wantMsg(t, msg, "incident INC-99 not found")
	}
	if n := e.timelineLen(id); n != 4 {
		t.Fatalf("hidden commands changed the incident: %d events", n)
	}

	// Participants and admins see it everywhere.
	for _, who := range []string{"ada", "root"} {
		ok[warroom.IncidentView](t, e.do(who, "GET", base, nil), 200)
		ok[map[string][]warroom.Event](t, e.do(who, "GET", base+"/timeline", nil), 200)
		list := ok[map[string][]warroom.Incident](t, e.do(who, "GET", "/api/v1/incidents?q=secret", nil), 200)["incidents"]
		if len(list) != 1 || list[0].ID != id {
			t.Fatalf("%s searching: %+v", who, list)
		}
	}
	// Once bob takes part, he sees it.
	ok[warroom.CommandResult](t, e.do("ada", "POST", base+"/participants", map[string]string{"user": "@bob"}), 200)
	ok[warroom.IncidentView](t, e.do("bob", "GET", base, nil), 200)
	if list := ok[map[string][]warroom.Incident](t, e.do("bob", "GET", "/api/v1/incidents?q=secret", nil), 200)["incidents"]; len(list) != 1 {
		t.Fatalf("participant bob searching: %d", len(list))
	}
	ok[warroom.CommandResult](t, e.do("bob", "POST", base+"/entries", map[string]string{"type": "note", "text": "on it"}), 200)
	wantErr(t, e.do("carol", "GET", base, nil), 404, warroom.ENotFound, "")
}

func TestRoleRules(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "db down", false) // ada: first responder, owner, technical lead
	roles := "/api/v1/incidents/" + inc.Ref + "/roles"
	assign := func(who, role, user, reason string) resp {
		return e.do(who, "POST", roles, map[string]string{"role": role, "user": user, "reason": reason})
	}

	// No IC yet: only the first responder changes the Technical Lead.
	r := assign("bob", "technical_lead", "bob", "")
	wantMsg(t, wantErr(t, r, 403, warroom.EForbidden, ""), "only the first responder may change the Technical Lead while there is no Incident Commander")
	res := ok[warroom.CommandResult](t, assign("ada", "technical_lead", "bob", "bob knows the db"), 200)
	if res.Incident.Holder(warroom.RoleTechnicalLead) != e.users["bob"].ID || res.Events[0].PreviousUserID != e.users["ada"].ID {
		t.Fatalf("technical lead %+v", res.Events)
	}

	// Anyone may name the IC while there is none; then only the IC
	// changes the Technical Lead.
	ok[warroom.CommandResult](t, assign("bob", "incident_commander", "carol", ""), 200)
	r = assign("ada", "technical_lead", "ada", "")
	wantMsg(t, wantErr(t, r, 403, warroom.EForbidden, ""), "only the Incident Commander may change the Technical Lead")
	wantErr(t, assign("bob", "incident_commander", "bob", ""), 403, warroom.EForbidden, "")
	ok[warroom.CommandResult](t, assign("carol", "technical_lead", "ada", "shift change"), 200)

	// Incident Owner handover needs a written reason.
	r = assign("ada", "incident_owner", "bob", "")
	wantMsg(t, wantErr(t, r, 400, warroom.EInvalid, "reason"), "handing over the Incident Owner needs a written reason")
	wantErr(t, assign("bob", "incident_owner", "bob", "I want it"), 403, warroom.EForbidden, "")
	res = ok[warroom.CommandResult](t, assign("ada", "incident_owner", "bob", "ada goes off shift"), 200)
	if res.Incident.Holder(warroom.RoleIncidentOwner) != e.users["bob"].ID {
		t.Fatal("owner not handed over")
	}
	r = e.do("bob", "POST", roles+"/release", map[string]string{"role": "incident_owner"})
	wantErr(t, r, 409, warroom.EConflict, "")

	// Unknown people and roles are named.
	wantMsg(t, wantErr(t, assign("carol", "scribe", "nobody", ""), 400, warroom.EInvalid, "user"), `no user "nobody"`)
	wantErr(t, assign("carol", "chef", "bob", ""), 400, warroom.EInvalid, "role")

	// Release a role.
	ok[warroom.CommandResult](t, assign("carol", "scribe", "bob", ""), 200)
	res = ok[warroom.CommandResult](t, e.do("bob", "POST", roles+"/release", map[string]string{"role": "scribe", "user": "bob"}), 200)
	if res.Incident.Holder(warroom.RoleScribe) != "" {
		t.Fatal("scribe not released")
	}
	view := ok[warroom.IncidentView](t, e.do("vic", "GET", "/api/v1/incidents/"+inc.Ref, nil), 200)
	if !slices.ContainsFunc(view.Holders, func(h warroom.RoleHolder) bool {
		return h.Role == warroom.RoleScribe && h.UserID == e.users["carol"].ID && h.Implicit
	}) {
		t.Fatalf("the IC does not hold the scribe role implicitly: %+v", view.Holders)
	}
}

func eventTypes(events []warroom.Event) []warroom.EventType {
	out := make([]warroom.EventType, len(events))
	for i, ev := range events {
		out[i] = ev.Type
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
