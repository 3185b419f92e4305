package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
	"github.com/warroom/warroom/sqlstore"
)

// newAfterFireEnv is a server whose web UI has the after-the-fire
// service (no Alertmanager: the page says so).
func newAfterFireEnv(t *testing.T, db string) (*env, *sqlstore.Store) {
	st := openStore(t, testDSN(t, db))
	return newEnvOn(t, st, func(c *Config) {
		svc, err := afterfire.New(afterfire.Config{Incidents: c.Incidents, Updates: st, Alerts: st, Chat: st,
			Review: afterfire.ReviewConfig{Store: st}})
		if err != nil {
			t.Fatal(err)
		}
		c.AfterFire = svc
	}), st
}

// TestHandoffPage: a whole handoff, the return to baseline and a draft
// follow-up through the browser forms; refusals come back with the
// service's message and what was typed; viewers see no forms; a private
// incident stays hidden.
func TestHandoffPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e, _ := newAfterFireEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		bb, bob := e.signedIn("bob", warroom.AccountResponder)
		inc := e.declare(ada, "checkout down", false)
		e.exec(ada, inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: ada.ID})
		e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "cache stampede"})
		path := "/incidents/" + inc.Ref + "/handoff"

		if _, body := b.get("/incidents/" + inc.Ref); !strings.Contains(body, `href="`+path+`"`) {
			t.Error("the incident page does not link to the handoff page")
		}
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Start the handoff") || !strings.Contains(body, "The Incident Owner (@ada) stays") {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
		if resp, _ := b.post(path, url.Values{"incoming_commander": {bob.ID}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("start: %d", resp.StatusCode)
		}
		// Only the incoming IC names the team.
		resp, body = b.post(path+"/team", url.Values{"technical_lead": {ada.ID}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only the incoming Incident Commander") {
			t.Errorf("team by the outgoing IC: %d", resp.StatusCode)
		}
		if resp, body := bb.post(path+"/team", url.Values{"technical_lead": {bob.ID}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("team: %d %s", resp.StatusCode, body)
		}
		if _, body := b.get("/incidents/" + inc.Ref); !strings.Contains(body, "A shift handoff is in progress") {
			t.Error("the incident page does not show the handoff in progress")
		}
		_, body = b.get(path)
		if !strings.Contains(body, "cache stampede</textarea>") || !strings.Contains(body, "Still missing: technical status") {
			t.Errorf("the brief is not prefilled from the timeline:\n%s", body)
		}
		brief := url.Values{"technical_status": {"cache warming"}, "open_hypotheses": {"cache stampede"}}
		resp, body = b.post(path+"/complete", brief)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the handoff cannot be completed; missing: the most recent customer update") ||
			!strings.Contains(body, "cache warming") {
			t.Fatalf("incomplete brief: %d", resp.StatusCode)
		}
		for k, v := range map[string]string{"customer_update_note": "no customer impact", "chat": "none", "bridge": "none",
			"tracking_doc": "https://docs/inc", "email_thread": "none", "external_people": "none"} {
			brief.Set(k, v)
		}
		if resp, body := b.post(path+"/complete", brief); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("complete: %d %s", resp.StatusCode, body)
		}
		_, body = bb.get(path)
		if !strings.Contains(body, "I have read the brief") || !strings.Contains(body, "Brief not yet acknowledged by @bob") ||
			!strings.Contains(body, "handoff+30: no hands-on work from them after") {
			t.Errorf("incoming IC is not asked to acknowledge:\n%s", body)
		}
		if resp, _ := bb.post(path+"/acknowledge", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("acknowledge: %d", resp.StatusCode)
		}
		if _, body = bb.get(path); !strings.Contains(body, "Everyone incoming acknowledged the brief") {
			t.Error("acknowledgement not shown")
		}

		// The return to baseline.
		for _, s := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline} {
			e.exec(bob, inc.Ref, warroom.ChangeStage{Stage: s})
		}
		if _, body := bb.get("/incidents/" + inc.Ref); !strings.Contains(body, "The return to baseline is checked") {
			t.Error("the incident page does not point to the baseline check")
		}
		_, body = bb.get(path)
		if !strings.Contains(body, "No Alertmanager is configured") || !strings.Contains(body, "Complete the return to baseline") {
			t.Errorf("baseline panel:\n%s", body)
		}
		resp, body = bb.post("/incidents/"+inc.Ref+"/baseline", url.Values{"resilience_restored": {"1"}, "notes": {"replica rebuilt"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "manual changes persisted as configuration") || !strings.Contains(body, "replica rebuilt") {
			t.Fatalf("incomplete checklist: %d", resp.StatusCode)
		}
		if resp, body := bb.post("/incidents/"+inc.Ref+"/baseline", url.Values{"resilience_restored": {"1"}, "changes_persisted": {"1"}, "monitoring_baseline": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("baseline: %d %s", resp.StatusCode, body)
		}
		if resp, _ := bb.post("/incidents/"+inc.Ref+"/follow-ups", url.Values{"title": {"alert on cache hit ratio"}, "proposed_owner": {ada.ID}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("follow-up: %d", resp.StatusCode)
		}
		_, body = bb.get(path)
		for _, want := range []string{"Proposed: ", "alert on cache hit ratio", "(proposed owner @ada)", "Checked: resilience restored"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}

		// The Post Mortem Review: scheduled from the page, its invitation
		// downloaded, attendance recorded.
		resp, body = bb.post("/incidents/"+inc.Ref+"/review", url.Values{"at": {"2020-01-01T10:00"}, "minutes": {"60"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the review cannot start in the past") {
			t.Fatalf("review in the past: %d", resp.StatusCode)
		}
		when := e.clock.Now().Add(48 * time.Hour).UTC().Format("2006-01-02T15:04")
		if resp, body := bb.post("/incidents/"+inc.Ref+"/review", url.Values{"at": {when}, "minutes": {"45"}, "location": {"room 4"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("schedule review: %d %s", resp.StatusCode, body)
		}
		resp, ics := bb.get("/incidents/" + inc.Ref + "/review.ics")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(ics, "METHOD:REQUEST") {
			t.Fatalf("invitation: %d %s", resp.StatusCode, ics)
		}
		if resp, _ := bb.post("/incidents/"+inc.Ref+"/review/attendance", url.Values{"attended": {ada.ID, bob.ID}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("attendance: %d", resp.StatusCode)
		}
		if _, body = bb.get(path); !strings.Contains(body, "45 minutes at room 4") || !strings.Contains(body, "with @ada, @bob") {
			t.Errorf("review panel:\n%s", body)
		}

		v, _ := e.signedIn("vic", warroom.AccountViewer)
		if _, body := v.get(path); strings.Contains(body, "Draft</button>") || !strings.Contains(body, "alert on cache hit ratio") {
			t.Error("viewer's page shows forms or lacks the follow-ups")
		}
		if resp, _ := v.post("/incidents/"+inc.Ref+"/follow-ups", url.Values{"title": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer drafted: %d", resp.StatusCode)
		}
		private := e.declare(ada, "secret", true)
		if resp, _ := v.get("/incidents/" + private.Ref + "/handoff"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a private incident's handoff page to an outsider: %d", resp.StatusCode)
		}
	})
}
