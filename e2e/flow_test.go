package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// Exit codes of the CLI.
const (
	exitFailed      = 1
	exitUsage       = 2
	exitUnreachable = 3
)

func TestSQLiteFlow(t *testing.T) {
	runFlow(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"))
}

// people are the users of a flow, by handle.
type people map[string]*user

// runFlow takes a server on the database dsn from bootstrap through a
// whole incident, through the real binary.
func runFlow(t *testing.T, dsn string) {
	s := startServer(t, dsn)
	must := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow() // later steps build on this one
		}
	}
	var p people
	must("bootstrap", func(t *testing.T) { p = people{"admin": bootstrapAdmin(t, s)} })
	must("directory", func(t *testing.T) { setUpDirectory(t, s, p) })
	must("incident lifecycle", func(t *testing.T) { incidentLifecycle(t, s, p) })
	must("idempotent retries", func(t *testing.T) { idempotentRetries(t, s, p) })
	must("private incident", func(t *testing.T) { privateIncident(t, s, p) })
	must("other commands", func(t *testing.T) { otherCommands(t, s, p) })
	must("errors say what to do", func(t *testing.T) { errorsSayWhatToDo(t, s, p) })
	must("json output", s.checkJSONCoverage)
	must("restart keeps everything", func(t *testing.T) { restart(t, s, p) })
}

var exportToken = regexp.MustCompile(`export WARROOM_TOKEN=(wr_\S+)`)

// bootstrapAdmin follows the server's own start-up instructions.
func bootstrapAdmin(t *testing.T, s *server) *user {
	if !strings.Contains(s.announcement, "No users yet") || !strings.Contains(s.announcement, "warroom bootstrap --db ") {
		t.Fatalf("a server on an empty database must say how to bootstrap:\n%s", s.announcement)
	}
	r := runBinary(t, nil, "bootstrap", "--db", s.dsn, "--handle", "admin", "--name", "Alex Admin", "--email", "admin@example.com")
	m := exportToken.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, nil, "bootstrap", "--db", s.dsn, "--handle", "admin2", "--email", "admin2@example.com")
	if r.code != exitFailed || !strings.Contains(r.stderr, "--force-new-admin") {
		t.Errorf("second bootstrap: exit %d, stderr %q; want a refusal naming --force-new-admin", r.code, r.stderr)
	}
	admin := &user{handle: "admin", token: m[1]}
	if out := s.ok(t, admin, "whoami"); !strings.Contains(out, "@admin (Alex Admin, admin)") {
		t.Errorf("whoami: %s", out)
	}
	var me warroom.User
	s.json(t, admin, &me, "whoami")
	admin.id = me.ID
	return admin
}

// setUpDirectory creates teams, people with tokens and a service, as an
// admin does on a new server.
func setUpDirectory(t *testing.T, s *server, p people) {
	admin := p["admin"]
	if out := s.ok(t, admin, "team", "create", "--slug", "sre", "--name", "SRE"); !strings.Contains(out, "team sre (SRE) created") {
		t.Errorf("team create: %s", out)
	}
	s.json(t, admin, nil, "team", "create", "--slug", "dba", "--name", "Databases")
	for _, u := range []struct{ handle, team, role string }{
		{"ada", "sre", "responder"}, {"bob", "sre", "responder"}, {"carol", "dba", "responder"},
		{"dave", "sre", "responder"}, {"eve", "dba", "responder"}, {"vic", "sre", "viewer"},
	} {
		var created warroom.User
		s.json(t, admin, &created, "user", "create", "--handle", u.handle, "--name", strings.ToUpper(u.handle[:1])+u.handle[1:],
			"--email", u.handle+"@example.com", "--team", u.team, "--role", u.role, "--time-zone", "Europe/Berlin")
		var tok struct{ Secret string }
		s.json(t, admin, &tok, "token", "create", "--user", u.handle, "--name", "e2e")
		if !strings.HasPrefix(tok.Secret, warroom.TokenPrefix) {
			t.Fatalf("token create for %s: secret %q", u.handle, tok.Secret)
		}
		p[u.handle] = &user{handle: u.handle, id: created.ID, token: tok.Secret}
	}
	if out := s.ok(t, admin, "user", "create", "--handle", "zed", "--name", "Zed", "--email", "zed@example.com"); !strings.Contains(out, "@zed") {
		t.Errorf("user create: %s", out)
	}
	if out := s.ok(t, p["ada"], "token", "create", "--name", "laptop"); !exportToken.MatchString(out) {
		t.Errorf("token create prints no export line:\n%s", out)
	}
	s.ok(t, admin, "service", "create", "--slug", "checkout", "--name", "Checkout API", "--team", "sre",
		"--dashboard", "Errors=https://grafana.example.com/d/checkout", "--runbook", "https://wiki.example.com/checkout", "--rto", "1h")
	s.json(t, admin, nil, "service", "create", "--slug", "payroll", "--name", "Payroll")

	var users struct{ Users []warroom.User }
	s.json(t, p["ada"], &users, "user", "list")
	if len(users.Users) != 8 {
		t.Errorf("user list has %d users, want 8", len(users.Users))
	}
	checkText(t, s.ok(t, p["ada"], "user", "list"), "@carol", "dba")
	checkText(t, s.ok(t, p["ada"], "user", "show", "carol"), "carol@example.com", "dba", "Europe/Berlin")
	s.json(t, p["ada"], nil, "user", "show", "@carol")
	checkText(t, s.ok(t, admin, "user", "update", "zed", "--name", "Zed Zulu"), "Zed Zulu")
	s.json(t, admin, nil, "user", "update", "zed", "--role", "viewer")
	checkText(t, s.ok(t, p["ada"], "team", "list"), "sre", "Databases")
	s.json(t, p["ada"], nil, "team", "list")
	checkText(t, s.ok(t, p["ada"], "service", "list"), "checkout", "payroll", "1h")
	s.json(t, p["ada"], nil, "service", "list")
	checkText(t, s.ok(t, p["ada"], "service", "show", "checkout"), "Checkout API", "Errors https://grafana.example.com/d/checkout", "sre")
	s.json(t, p["ada"], nil, "service", "show", "checkout")
	s.fails(t, p["ada"], exitFailed, "only admins", "team", "create", "--slug", "x", "--name", "X")
}

// checkText requires out to contain every want.
func checkText(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// incidentLifecycle takes one incident from declaration to close.
func incidentLifecycle(t *testing.T, s *server, p people) {
	ada, bob, carol, dave := p["ada"], p["bob"], p["carol"], p["dave"]
	r := s.result(t, ada, "declare", "--title", "Checkout errors", "--severity", "SEV3", "--service", "checkout",
		"--customers", "acme,globex", "--users-percent", "12", "--impact-started-at", "10m", "--summary", "5xx on /pay")
	inc := r.Incident
	if inc.Ref != "INC-1" || inc.Stage != warroom.StageDeclared || inc.Holder(warroom.RoleIncidentOwner) != ada.id ||
		inc.Holder(warroom.RoleTechnicalLead) != ada.id || inc.BridgeURL != "" {
		t.Fatalf("declared incident: %+v", inc)
	}
	// No bridge link unless the server is given --bridge-url: a made-up
	// default would look like a real call to join.
	shown := s.ok(t, ada, "show", "INC-1")
	checkText(t, shown, "INC-1  Checkout errors", "SEV3", "Incident Owner", "@ada",
		"customers: acme, globex; 12% of users; services: checkout", "@ada declared SEV3: Checkout errors")
	if !regexp.MustCompile(`(?m)^bridge +-$`).MatchString(shown) {
		t.Errorf("show gives a bridge link though none is configured:\n%s", shown)
	}

	// Roles: ada names bob IC; then only bob changes the Technical Lead.
	checkText(t, s.ok(t, ada, "assign", "INC-1", "ic", "bob"), "@bob is Incident Commander now (decided by @ada)")
	checkText(t, s.ok(t, carol, "show", "1"), "@bob (implicit, as Incident Commander)")
	s.fails(t, carol, exitFailed, "error: only the Incident Commander may change the Technical Lead", "assign", "INC-1", "tl", "carol")
	r = s.result(t, bob, "assign", "INC-1", "technical_lead", "carol", "--reason", "database expertise")
	if r.Incident.Holder(warroom.RoleTechnicalLead) != p["carol"].id {
		t.Errorf("technical lead is %s, want carol", r.Incident.Holder(warroom.RoleTechnicalLead))
	}
	s.fails(t, ada, exitFailed, "handing over the Incident Owner needs a written reason (field: reason)", "handover", "INC-1", "owner", "dave")
	r = s.result(t, ada, "handover", "INC-1", "owner", "dave", "--reason", "end of my shift; dave owns it to the end")
	if r.Incident.Holder(warroom.RoleIncidentOwner) != dave.id || r.Events[0].PreviousUserID != ada.id {
		t.Errorf("owner handover: %+v", r.Events)
	}

	// The timeline.
	note := s.result(t, ada, "note", "INC-1", "restarted", "the", "pods").Events[0].Seq
	s.result(t, carol, "action", "INC-1", "flushing the checkout cache")
	s.ok(t, carol, "action", "INC-1", "draining eu-1")
	decision := s.result(t, bob, "decision", "INC-1", "fail over to eu-2", "--reason", "eu-1 error rate 40%", "--trade-off", "higher latency").Events[0].Seq
	s.fails(t, bob, exitUsage, `"reason" not set`, "decision", "INC-1", "roll back")
	hyp := s.result(t, carol, "hypothesis", "INC-1", "stale cache entries").Events[0].Seq
	s.ok(t, carol, "hypothesis", "INC-1", "bad deploy")
	s.result(t, carol, "hypothesis-update", "INC-1", fmt.Sprint(hyp), "eliminated", "--evidence", "errors persist after the flush")
	s.ok(t, carol, "hypothesis-update", "INC-1", fmt.Sprintf("#%d", hyp+1), "confirmed", "--evidence", "the deploy at 09:58 matches")
	s.result(t, carol, "link", "INC-1", "https://grafana.example.com/d/checkout", "--title", "error rate")
	s.ok(t, carol, "link", "INC-1", "https://logs.example.com/q/1")
	s.result(t, bob, "star", "INC-1", fmt.Sprint(decision))
	s.ok(t, bob, "star", "INC-1", fmt.Sprint(note))
	s.ok(t, bob, "star", "INC-1", fmt.Sprint(note), "--unstar")
	s.result(t, ada, "correct", "INC-1", fmt.Sprint(note), "restarted one pod, not all")
	s.ok(t, ada, "correct", "INC-1", fmt.Sprint(hyp), "stale cache entries in eu-1 only")

	v := s.view(t, ada, "INC-1")
	if !slices.Equal(v.Incident.Starred, []int64{decision}) {
		t.Errorf("starred %v, want [%d]", v.Incident.Starred, decision)
	}
	if len(v.Incident.Hypotheses) != 2 || v.Incident.Hypotheses[0].Status != warroom.HypothesisEliminated || v.Incident.Hypotheses[1].Status != warroom.HypothesisConfirmed {
		t.Errorf("hypotheses %+v", v.Incident.Hypotheses)
	}
	checkText(t, s.ok(t, ada, "show", "INC-1"), "★", "(corrected in #", "decision: fail over to eu-2; because eu-1 error rate 40%; trade-off: higher latency",
		fmt.Sprintf("hypothesis #%d eliminated: errors persist after the flush", hyp))

	// Severity, impact and the lifecycle.
	s.ok(t, bob, "stage", "INC-1", "investigating")
	if r := s.result(t, bob, "severity", "INC-1", "SEV2", "--reason", "all EU customers"); !r.Incident.Major {
		t.Errorf("SEV2 must make the incident major: %+v", r.Incident)
	}
	s.ok(t, bob, "severity", "INC-1", "sev3", "--reason", "only acme")
	r = s.result(t, bob, "impact", "INC-1", "--sla-impact", "--customer-impact", "--reason", "SLA breached")
	if im := r.Incident.Impact; !im.SLAImpact || im.UsersPercent != 12 || len(im.Customers) != 2 {
		t.Errorf("impact must change only the given fields: %+v", im)
	}
	s.ok(t, bob, "impact", "INC-1", "--frequency", "intermittent")
	started := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	r = s.result(t, bob, "impact-start", "INC-1", started.Format(time.RFC3339), "--reason", "graphs show errors from 08:00")
	if !r.Incident.ImpactStartedAt.Equal(started) {
		t.Errorf("impact start %s, want %s", r.Incident.ImpactStartedAt, started)
	}
	s.ok(t, bob, "impact-start", "INC-1", "3h", "--reason", "earlier still")
	s.result(t, bob, "stage", "INC-1", "identified")
	s.ok(t, bob, "stage", "INC-1", "mitigated", "--reason", "failed over")
	s.ok(t, bob, "stage", "INC-1", "recovered")
	s.fails(t, bob, exitFailed, "the incident is recovered and cannot move to resolved; allowed next: baseline, investigating",
		"stage", "INC-1", "resolved")
	s.fails(t, bob, exitFailed, "the incident is recovered and cannot move to resolved", "resolve", "INC-1")
	s.ok(t, bob, "stage", "INC-1", "baseline")
	// warroom serve checks the return to baseline (docs/after-the-fire.md).
	s.fails(t, bob, exitFailed, "the return to baseline is checked before INC-1 is resolved", "resolve", "INC-1")
	s.fails(t, bob, exitFailed, "missing: manual changes persisted as configuration", "baseline", "complete", "INC-1", "--resilience-restored")
	baselineDone := []string{"baseline", "complete", "INC-1", "--resilience-restored", "--changes-persisted", "--monitoring-baseline"}
	s.result(t, bob, baselineDone...)
	r = s.result(t, bob, "reopen", "INC-1", "--reason", "errors are back")
	if r.Incident.Stage != warroom.StageInvestigating || r.Incident.Reopened != 1 {
		t.Errorf("reopened incident: stage %s, reopened %d", r.Incident.Stage, r.Incident.Reopened)
	}
	s.fails(t, bob, exitUsage, `"reason" not set`, "reopen", "INC-1")
	for _, stage := range []string{"recovered", "baseline"} {
		s.ok(t, bob, "stage", "INC-1", stage)
	}
	s.ok(t, bob, baselineDone...)
	s.ok(t, bob, "reopen", "INC-1", "--reason", "one more time")
	for _, stage := range []string{"recovered", "baseline"} {
		s.result(t, bob, "stage", "INC-1", stage)
	}
	s.result(t, bob, baselineDone...)
	// The close gate (docs/postmortems.md): only the Incident Owner (dave,
	// since the handover) closes, and this major incident only once its
	// postmortem is published.
	s.fails(t, bob, exitFailed, "only the Incident Owner closes INC-1", "close", "INC-1")
	s.fails(t, dave, exitFailed, "INC-1 cannot close yet: the postmortem is required", "close", "INC-1")
	writePostmortem(t, s, p, "INC-1")
	if r := s.result(t, dave, "close", "INC-1"); r.Incident.Stage != warroom.StageClosed {
		t.Errorf("closed incident is %s", r.Incident.Stage)
	}
	s.fails(t, bob, exitFailed, "INC-1 is closed", "stage", "INC-1", "investigating")
	s.result(t, ada, "note", "INC-1", "postmortem scheduled") // notes are allowed on closed incidents

	var list struct{ Incidents []warroom.Incident }
	s.json(t, ada, &list, "list", "--status", "closed")
	if len(list.Incidents) != 1 || list.Incidents[0].Stage != warroom.StageClosed {
		t.Errorf("closed incidents: %+v", list.Incidents)
	}
	checkText(t, s.ok(t, ada, "list", "--status", "all"), "INC-1", "closed", "Checkout errors")
	checkText(t, s.ok(t, ada, "list"), "no open incidents (list shows open incidents by default, not resolved or closed ones; `warroom list --status all` shows every incident)")
	var tl struct{ Events []warroom.Event }
	s.json(t, ada, &tl, "timeline", "INC-1")
	if len(tl.Events) != int(s.view(t, ada, "INC-1").Incident.Version) {
		t.Errorf("timeline has %d events", len(tl.Events))
	}
	checkText(t, s.ok(t, ada, "timeline", "INC-1"), "stage baseline → resolved", "incident reopened: errors are back",
		"@dave is Incident Owner now: end of my shift; dave owns it to the end (decided by @ada)", "@ada note: postmortem scheduled")
}

// idempotentRetries sends the same commands twice with one key, through
// the raw API and the CLI, and checks nothing happens twice.
func idempotentRetries(t *testing.T, s *server, p people) {
	ada := p["ada"]
	decl := map[string]any{"title": "Search is slow", "severity": "SEV4"}
	first, body1 := s.api(t, ada, http.MethodPost, "/api/v1/incidents", "declare-once", decl)
	again, body2 := s.api(t, ada, http.MethodPost, "/api/v1/incidents", "declare-once", decl)
	if first.StatusCode != http.StatusCreated || again.StatusCode != first.StatusCode {
		t.Fatalf("declare twice: %d then %d: %s", first.StatusCode, again.StatusCode, body2)
	}
	var r1, r2 warroom.CommandResult
	if json.Unmarshal(body1, &r1) != nil || json.Unmarshal(body2, &r2) != nil || r1.Incident.Ref != r2.Incident.Ref {
		t.Fatalf("a retried declaration must return the first result:\n%s\n%s", body1, body2)
	}
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed answer lacks Idempotent-Replayed: true")
	}
	var all struct{ Incidents []warroom.Incident }
	s.json(t, ada, &all, "list", "--status", "all", "--query", "Search is slow")
	if len(all.Incidents) != 1 {
		t.Errorf("a retried declaration created %d incidents", len(all.Incidents))
	}

	ref := r1.Incident.Ref
	path := "/api/v1/incidents/" + ref + "/entries"
	entry := map[string]any{"type": "note", "text": "cache warmed"}
	resp1, e1 := s.api(t, ada, http.MethodPost, path, "note-once", entry)
	resp2, e2 := s.api(t, ada, http.MethodPost, path, "note-once", entry)
	if resp1.StatusCode != resp2.StatusCode || resp1.StatusCode >= 300 || !bytes.Equal(e1, e2) {
		t.Errorf("retried note: %d %s\nthen %d %s", resp1.StatusCode, e1, resp2.StatusCode, e2)
	}
	if resp, body := s.api(t, ada, http.MethodPost, path, "note-once", map[string]any{"type": "note", "text": "other"}); resp.StatusCode != http.StatusConflict {
		t.Errorf("same key, different request: %d %s; want 409", resp.StatusCode, body)
	}
	for range 2 {
		s.ok(t, ada, "note", ref, "retried from the CLI", "--idempotency-key", "cli-note-once")
	}
	counts := map[string]int{}
	for _, e := range s.view(t, ada, ref).Timeline {
		counts[e.Text]++
	}
	if counts["cache warmed"] != 1 || counts["retried from the CLI"] != 1 {
		t.Errorf("retried commands appended twice: %v", counts)
	}
}

// privateIncident checks that a private incident is invisible to people
// who do not take part in it, everywhere.
func privateIncident(t *testing.T, s *server, p people) {
	ada, eve, admin := p["ada"], p["eve"], p["admin"]
	r := s.result(t, ada, "declare", "--title", "Payroll data exposed", "--severity", "SEV1", "--private", "--service", "payroll")
	ref := r.Incident.Ref
	if !r.Incident.Private || !r.Incident.Major {
		t.Fatalf("private SEV1: %+v", r.Incident)
	}
	var list struct{ Incidents []warroom.Incident }
	s.json(t, eve, &list, "list", "--status", "all")
	for _, inc := range list.Incidents {
		if inc.Ref == ref {
			t.Errorf("eve lists private %s", ref)
		}
	}
	s.json(t, eve, &list, "list", "--status", "all", "--query", "Payroll")
	if len(list.Incidents) != 0 {
		t.Errorf("eve's search finds %d incidents", len(list.Incidents))
	}
	s.json(t, eve, &list, "list", "--service", "payroll")
	if len(list.Incidents) != 0 {
		t.Errorf("eve's service filter finds %d incidents", len(list.Incidents))
	}
	s.fails(t, eve, exitFailed, "not found", "show", ref)
	s.fails(t, eve, exitFailed, "not found", "timeline", ref)
	s.fails(t, eve, exitFailed, "not found", "note", ref, "peeking")
	if resp, body := s.api(t, eve, http.MethodGet, "/api/v1/incidents/"+ref, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("raw GET by eve: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.api(t, eve, http.MethodGet, "/api/v1/incidents/"+r.Incident.ID+"/timeline", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("raw GET of the timeline by ID, by eve: %d %s", resp.StatusCode, body)
	}
	checkText(t, s.ok(t, admin, "show", ref), "Payroll data exposed  (private)")
	s.json(t, admin, &list, "list", "--query", "Payroll")
	if len(list.Incidents) != 1 {
		t.Errorf("admins see private incidents; found %d", len(list.Incidents))
	}
	s.result(t, ada, "invite", ref, "eve")
	s.ok(t, eve, "timeline", ref)
}

// otherCommands covers the commands the main flow does not need.
func otherCommands(t *testing.T, s *server, p people) {
	carol, dave := p["carol"], p["dave"]
	r := s.result(t, carol, "declare", "--title", "Replica lag", "--severity", "4", "--detection", "monitoring", "--cluster", "db-2")
	ref := r.Incident.Ref
	s.fails(t, carol, exitFailed, "already acknowledged", "ack", ref)
	if r := s.result(t, carol, "major", ref, "--reason", "press coverage"); !r.Incident.Major {
		t.Error("major left the incident minor")
	}
	checkText(t, s.ok(t, carol, "show", ref), "yes: marked major by hand: press coverage")
	s.fails(t, carol, exitFailed, "is already major", "major", ref, "--reason", "again")
	s.ok(t, carol, "private", ref)
	if r := s.result(t, carol, "private", ref, "--off"); r.Incident.Private {
		t.Error("private --off left the incident private")
	}
	s.ok(t, carol, "assign", ref, "scribe", "dave")
	s.result(t, dave, "release", ref, "scribe")
	s.ok(t, carol, "assign", ref, "pi", "dave")
	checkText(t, s.ok(t, carol, "release", ref, "pi", "dave", "--reason", "done"), "@dave is no longer Parallel Investigator: done")
	s.result(t, carol, "edit", ref, "--title", "Replica lag on db-2")
	checkText(t, s.ok(t, carol, "edit", ref, "--summary", "lag above 5 minutes"), ref+"  Replica lag on db-2")
}

// errorsSayWhatToDo checks the CLI's answers to the usual mistakes.
func errorsSayWhatToDo(t *testing.T, s *server, p people) {
	s.fails(t, nil, exitUsage, "error: no API token: set WARROOM_TOKEN or pass --token", "list")
	s.fails(t, &user{handle: "nobody", token: "wr_not-a-token"}, exitFailed, "hint: set WARROOM_TOKEN (or pass --token)", "list")
	s.fails(t, p["vic"], exitFailed, "viewers", "declare", "--title", "x", "--severity", "SEV4")
	s.fails(t, p["ada"], exitFailed, "not found", "show", "INC-999")
	s.fails(t, p["ada"], exitUsage, `unknown role "boss"`, "assign", "INC-1", "boss", "bob")

	r := s.run(p["bob"], "ack", "INC-1", "--output", "json")
	var body struct{ Error warroom.Error }
	if r.code != exitFailed || json.Unmarshal([]byte(r.stdout), &body) != nil || body.Error.Code != warroom.EConflict {
		t.Errorf("a refused command in JSON output: exit %d, stdout %q", r.code, r.stdout)
	}

	var tokens struct{ Tokens []warroom.Token }
	s.json(t, p["eve"], &tokens, "token", "list")
	if len(tokens.Tokens) != 1 {
		t.Fatalf("eve has %d tokens, want 1", len(tokens.Tokens))
	}
	checkText(t, s.ok(t, p["admin"], "token", "list", "--user", "eve"), tokens.Tokens[0].ID, "@eve")
	var spare struct {
		Token  warroom.Token
		Secret string
	}
	s.json(t, p["admin"], &spare, "token", "create", "--user", "eve", "--name", "spare")
	checkText(t, s.ok(t, p["eve"], "token", "revoke", tokens.Tokens[0].ID), "revoked")
	s.fails(t, p["eve"], exitFailed, "invalid or revoked API token", "whoami")
	p["eve"].token = spare.Secret
	var temp struct {
		Token  warroom.Token
		Secret string
	}
	s.json(t, p["eve"], &temp, "token", "create", "--name", "temp")
	var revoked warroom.Token
	s.json(t, p["eve"], &revoked, "token", "revoke", temp.Token.ID)
	if revoked.RevokedAt == nil {
		t.Errorf("revoked token: %+v", revoked)
	}
	s.ok(t, p["eve"], "whoami")

	down := runBinary(t, []string{"WARROOM_SERVER=http://127.0.0.1:1", "WARROOM_TOKEN=" + p["ada"].token}, "list")
	if down.code != exitUnreachable || !strings.Contains(down.stderr, "is the server running? start it with `warroom serve`") {
		t.Errorf("unreachable server: exit %d, stderr %q", down.code, down.stderr)
	}
	if resp, body := s.api(t, nil, http.MethodGet, "/api/v1/openapi.json", "", nil); resp.StatusCode != 200 || !json.Valid(body) {
		t.Errorf("openapi.json: %d", resp.StatusCode)
	}
}

// restart stops the server and starts another on the same database:
// nothing is lost, and no bootstrap is offered any more.
func restart(t *testing.T, s *server, p people) {
	before := s.view(t, p["ada"], "INC-1")
	s.stop()
	s2 := startServer(t, s.dsn)
	if strings.Contains(s2.announcement, "No users yet") {
		t.Errorf("a server with users offers bootstrap:\n%s", s2.announcement)
	}
	after := s2.view(t, p["ada"], "INC-1")
	if after.Incident.Version != before.Incident.Version || len(after.Timeline) != len(before.Timeline) {
		t.Errorf("after restart INC-1 is at version %d with %d events; before %d with %d",
			after.Incident.Version, len(after.Timeline), before.Incident.Version, len(before.Timeline))
	}
}
