package e2e_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestAfterTheFire takes an incident through warroom serve and the CLI
// from a shift handoff to its Post Mortem Review: the handoff refused
// until the brief is complete, acknowledged by the incoming people; the
// baseline stage refused while Alertmanager (a local server answering
// like its v2 API) holds a matching silence, completed with an override;
// a draft follow-up; a holiday calendar imported; the review scheduled,
// its invitation printed, attendance recorded.
func TestAfterTheFire(t *testing.T) {
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id":"s1","status":{"state":"active"},"matchers":[{"name":"env","value":"staging","isRegex":false,"isEqual":false}],` +
			`"startsAt":"2026-01-01T00:00:00Z","endsAt":"2036-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","createdBy":"ada","comment":"quiet"}]`))
	}))
	defer am.Close()
	s := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"), "--alertmanager-url", am.URL, "--org-time-zone", "Europe/Berlin")
	admin := bootstrapAdmin(t, s)
	s.ok(t, admin, "team", "create", "--slug", "sre", "--name", "SRE")
	p := map[string]*user{}
	for _, h := range []string{"ada", "bob", "dan", "eve"} {
		var created warroom.User
		s.json(t, admin, &created, "user", "create", "--handle", h, "--name", h, "--email", h+"@example.com", "--team", "sre", "--role", "responder")
		var tok struct{ Secret string }
		s.json(t, admin, &tok, "token", "create", "--user", h, "--name", "e2e")
		p[h] = &user{handle: h, id: created.ID, token: tok.Secret}
	}
	ada, bob, dan, eve := p["ada"], p["bob"], p["dan"], p["eve"]
	s.result(t, ada, "declare", "--title", "Checkout down", "--severity", "SEV1")
	s.result(t, ada, "assign", "INC-1", "ic", "bob")
	s.result(t, ada, "hypothesis", "INC-1", "connection pool exhausted")

	s.result(t, bob, "handoff", "start", "INC-1", "dan")
	s.result(t, dan, "handoff", "team", "INC-1", "eve")
	s.fails(t, bob, exitFailed, "the handoff cannot be completed; missing: technical status", "handoff", "complete", "INC-1")
	out := s.ok(t, bob, "handoff", "show", "INC-1")
	for _, want := range []string{"open hypotheses: #", "connection pool exhausted", "Still missing:"} {
		if !strings.Contains(out, want) {
			t.Errorf("handoff show lacks %q:\n%s", want, out)
		}
	}
	r := s.result(t, bob, "handoff", "complete", "INC-1", "--status", "pool raised on 2 of 5 hosts", "--customer-update-note", "none sent yet",
		"--chat", "none", "--bridge", "none", "--tracking-doc", "https://docs.example/inc-1", "--email-thread", "none", "--external", "none")
	if r.Incident.Holder(warroom.RoleIncidentCommander) != dan.id || r.Incident.Holder(warroom.RoleIncidentOwner) != ada.id {
		t.Errorf("after the handoff: roles %v", r.Incident.Roles)
	}
	s.ok(t, dan, "handoff", "ack", "INC-1")
	s.result(t, eve, "handoff", "ack", "INC-1")
	checkText(t, s.ok(t, ada, "timeline", "INC-1"), "shift handoff: @bob → @dan", "@dan acknowledged the handoff brief")

	// The calendar counts from the recovery on, which plans the review.
	ics := filepath.Join(t.TempDir(), "de.ics")
	if err := os.WriteFile(ics, []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.fails(t, ada, exitFailed, "only admins", "calendar", "import", "de", ics)
	if out := s.ok(t, admin, "calendar", "import", "de", ics, "--team", "sre"); !strings.Contains(out, "holiday calendar de: 1 holidays, for 1 team(s)") {
		t.Errorf("calendar import: %s", out)
	}
	s.json(t, admin, nil, "calendar", "list")
	s.result(t, eve, "stage", "INC-1", "recovered")
	s.result(t, eve, "stage", "INC-1", "baseline")
	out = s.ok(t, eve, "baseline", "silences", "INC-1")
	if !strings.Contains(out, "alert(s) compared with the silences of "+am.URL) {
		t.Errorf("baseline silences:\n%s", out)
	}
	s.fails(t, eve, exitFailed, "the return to baseline is checked before INC-1 is resolved", "resolve", "INC-1")
	// The incident has no alerts, so no silence matches; the checklist is
	// still required.
	s.fails(t, eve, exitFailed, "missing: monitoring back to baseline", "baseline", "complete", "INC-1", "--resilience-restored", "--changes-persisted")
	r = s.result(t, eve, "baseline", "complete", "INC-1", "--resilience-restored", "--changes-persisted", "--monitoring-baseline")
	if r.Incident.Stage != warroom.StageResolved || r.Incident.TimelineSession == nil {
		t.Errorf("after baseline: %s %+v", r.Incident.Stage, r.Incident.TimelineSession)
	}
	s.result(t, eve, "follow-up", "INC-1", "alert", "on", "pool", "saturation", "--owner", "ada")

	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute).Format(time.RFC3339)
	out = s.ok(t, ada, "pmr", "schedule", "INC-1", at, "--location", "https://meet.example/pmr-1")
	for _, want := range []string{"Post Mortem Review of INC-1", "Europe/Berlin, de)", "required:   @dan, @eve", "optional:"} {
		if !strings.Contains(out, want) {
			t.Errorf("pmr schedule lacks %q:\n%s", want, out)
		}
	}
	inv := strings.ReplaceAll(s.ok(t, ada, "pmr", "invite", "INC-1"), "\r\n ", "")
	checkText(t, inv, "METHOD:REQUEST", "ROLE=REQ-PARTICIPANT", "ROLE=OPT-PARTICIPANT", "mailto:dan@example.com")
	if out := s.ok(t, ada, "pmr", "attended", "INC-1", "dan", "eve", "ada"); !strings.Contains(out, "held:") {
		t.Errorf("pmr attended:\n%s", out)
	}
	s.json(t, ada, nil, "pmr", "show", "INC-1")
	checkText(t, s.ok(t, ada, "timeline", "INC-1"), "Post Mortem Review scheduled for", "Post Mortem Review held with", "follow-up drafted: alert on pool saturation")
}
