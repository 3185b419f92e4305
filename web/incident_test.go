package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestDeclareFormShowsTheServiceErrorNextToTheField(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, _ := e.signedIn("ada", warroom.AccountResponder)
		cases := []struct {
			form  url.Values
			field string // the id of the error paragraph
			msg   string
			kept  string
		}{
			{url.Values{"title": {"  "}, "severity": {"SEV2"}, "summary": {"checkout 500s"}}, "d-title-error", "title is required", "checkout 500s"},
			{url.Values{"title": {"Checkout down"}, "severity": {"SEV9"}}, "d-severity-error", "severity must be one of SEV1, SEV2, SEV3, SEV4", `value="Checkout down"`},
			{url.Values{"title": {"Checkout down"}, "severity": {"SEV2"}, "users_percent": {"140"}}, "d-users-error", "share of users must be between 0 and 100", `value="140"`},
			{url.Values{"title": {"Checkout down"}, "severity": {"SEV2"}, "detected_at": {"yesterday"}}, "d-detected-error", "is not a date and time", `value="yesterday"`},
			{url.Values{"title": {"Checkout down"}, "severity": {"SEV2"}, "services": {"nope"}}, "d-services-error", `no service &#34;nope&#34;`, `value="Checkout down"`},
		}
		for _, c := range cases {
			resp, body := b.post("/incidents", c.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%v: status %d", c.form, resp.StatusCode)
				continue
			}
			i := strings.Index(body, `id="`+c.field+`"`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+300)], c.msg) {
				t.Errorf("%v: no %q in #%s:\n%s", c.form, c.msg, c.field, body)
			}
			if !strings.Contains(body, c.kept) {
				t.Errorf("%v: the form lost %q", c.form, c.kept)
			}
		}
		resp, _ := b.post("/incidents", url.Values{"title": {"Checkout down"}, "severity": {"SEV2"}, "detected_at": {"2026-03-02T09:30"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents/INC-1" {
			t.Fatalf("declare: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		inc, err := e.store.FindIncident(t.Context(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		// 09:30 in ada's Europe/Berlin is 08:30 UTC.
		if want := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC); !inc.DetectedAt.Equal(want) {
			t.Fatalf("detected at %s, want %s", inc.DetectedAt, want)
		}
	})
}

func TestIncidentPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		inc := e.declare(ada, "Checkout returns 500", false)
		e.exec(ada, inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: ada.ID})
		e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back 1.42", Reason: "errors began with the deploy", TradeOff: "lose the new banner"})
		e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "the cache is cold"})
		resp, body := b.get("/incidents/" + inc.Ref)
		if resp.StatusCode != 200 {
			t.Fatalf("page: %d %s", resp.StatusCode, body)
		}
		for _, want := range []string{"Checkout returns 500", `class="sev sev-sev3">SEV3<`, "Because:</strong> errors began with the deploy",
			"Trade-off:</strong> lose the new banner", `class="entry-hypothesis"`, "implicitly", `title="2026-03-02 09:00:00 UTC"`, ">Mar 2 10:00 CET<",
			`value="investigating">Move to Investigating`, `name="text"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// Only the allowed next stages are offered.
		if strings.Contains(body, `value="resolved">Move to`) || strings.Contains(body, `value="closed">Move to`) {
			t.Error("page offers a stage the rules do not allow next")
		}
		// A refused stage change shows the service's message.
		resp, body = b.post("/incidents/"+inc.Ref+"/stage", url.Values{"stage": {"closed"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "cannot move to closed") {
			t.Fatalf("forbidden stage change: %d", resp.StatusCode)
		}
		resp, _ = b.post("/incidents/"+inc.Ref+"/stage", url.Values{"stage": {"investigating"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("stage change: %d", resp.StatusCode)
		}
		// The composer keeps what was typed and names the field at fault.
		resp, body = b.post("/incidents/"+inc.Ref+"/entries", url.Values{"type": {"decision"}, "text": {"fail over"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="c-reason-error">a decision needs its reasoning`) || !strings.Contains(body, ">fail over</textarea>") {
			t.Fatalf("decision without reason: %d %s", resp.StatusCode, body)
		}
	})
}

func TestRolesOfferOnlyWhatTheRulesAllow(t *testing.T) {
	e := newEnv(t, "sqlite")
	ab, ada := e.signedIn("ada", warroom.AccountResponder)
	bb, bob := e.signedIn("bob", warroom.AccountResponder)
	inc := e.declare(ada, "Queue backlog", false)
	e.exec(ada, inc.Ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: ada.ID})
	e.exec(bob, inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "looking"})
	_, body := ab.get("/incidents/" + inc.Ref)
	if !strings.Contains(body, `<option value="technical_lead">`) {
		t.Error("the IC is not offered the Technical Lead")
	}
	_, body = bb.get("/incidents/" + inc.Ref)
	for _, r := range []string{"technical_lead", "incident_commander", "incident_owner", "scribe"} {
		if strings.Contains(body, `<option value="`+r+`">`) {
			t.Errorf("bob, not the IC, is offered %s", r)
		}
	}
	if !strings.Contains(body, `<option value="parallel_investigator">`) {
		t.Error("bob is not offered to join as a parallel investigator")
	}
	// Offered or not, the server decides.
	resp, body := bb.post("/incidents/"+inc.Ref+"/roles", url.Values{"role": {"technical_lead"}, "user": {bob.ID}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only the Incident Commander may change the Technical Lead") {
		t.Fatalf("bob takes the Technical Lead: %d", resp.StatusCode)
	}
	// Handing over the Incident Owner without a reason names the field.
	resp, body = ab.post("/incidents/"+inc.Ref+"/roles", url.Values{"role": {"incident_owner"}, "user": {bob.ID}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "needs a written reason") {
		t.Fatalf("owner handover without reason: %d", resp.StatusCode)
	}
	resp, _ = ab.post("/incidents/"+inc.Ref+"/roles", url.Values{"role": {"incident_owner"}, "user": {bob.ID}, "reason": {"end of my shift"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner handover: %d", resp.StatusCode)
	}
}

func TestViewersSeeNoControlsAndAreRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		_, ada := e.signedIn("ada", warroom.AccountResponder)
		vb, _ := e.signedIn("vic", warroom.AccountViewer)
		inc := e.declare(ada, "Search is slow", false)
		e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "index rebuild"})
		resp, body := vb.get("/incidents/" + inc.Ref)
		if resp.StatusCode != 200 {
			t.Fatalf("viewer page: %d", resp.StatusCode)
		}
		// The only form that changes anything is signing out.
		if n := strings.Count(body, `method="post"`); n != 1 {
			t.Errorf("viewer page has %d POST forms, want only sign-out:\n%s", n, body)
		}
		_, list := vb.get("/incidents")
		if strings.Contains(list, "Declare an incident") {
			t.Error("viewer is offered to declare")
		}
		before := inc.Version
		for path, form := range map[string]url.Values{
			"/incidents/" + inc.Ref + "/entries":        {"type": {"note"}, "text": {"hi"}},
			"/incidents/" + inc.Ref + "/stage":          {"stage": {"investigating"}},
			"/incidents/" + inc.Ref + "/roles":          {"role": {"scribe"}, "user": {"vic"}},
			"/incidents/" + inc.Ref + "/entries/1/star": {"starred": {"true"}},
			"/incidents/" + inc.Ref + "/hypotheses/5":   {"status": {"confirmed"}, "evidence": {"x"}},
			"/incidents": {"title": {"x"}, "severity": {"SEV1"}},
		} {
			if resp, _ := vb.post(path, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d", path, resp.StatusCode)
			}
		}
		after, _ := e.store.FindIncident(t.Context(), inc.Ref)
		if after.Version != before+1 { // the hypothesis above
			t.Errorf("viewer changed the incident: version %d -> %d", before, after.Version)
		}
		if n, _ := e.store.CountUsers(t.Context()); n != 2 {
			t.Fatal(n)
		}
	})
}

func TestPrivateIncidentsAreInvisibleToOthers(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		_, ada := e.signedIn("ada", warroom.AccountResponder)
		bb, _ := e.signedIn("bob", warroom.AccountResponder)
		private := e.declare(ada, "Payroll data exposed", true)
		public := e.declare(ada, "Status page slow", false)
		_, list := bb.get("/incidents?status=all")
		if strings.Contains(list, "Payroll") || !strings.Contains(list, "Status page slow") {
			t.Fatalf("bob's list shows private or lacks public:\n%s", list)
		}
		if _, body := bb.get("/incidents?q=payroll"); strings.Contains(body, "Payroll") {
			t.Fatal("search finds a private incident")
		}
		for _, path := range []string{"/incidents/" + private.Ref, "/incidents/" + private.Ref + "/state", "/incidents/" + private.ID} {
			if resp, body := bb.get(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Payroll") {
				t.Errorf("bob GET %s: %d", path, resp.StatusCode)
			}
		}
		if c := bb.followStatus("/incidents/" + private.Ref + "/stream"); c.status != http.StatusNotFound {
			t.Fatalf("bob follows the private incident: %d", c.status)
		}
		// On the list stream, a change to the private incident reaches
		// bob not at all: the first update bob gets is the public one's.
		lst := bb.follow("/incidents/stream")
		pub := bb.follow("/incidents/" + public.Ref + "/stream")
		e.exec(ada, private.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "rotating keys"})
		e.exec(ada, public.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "cdn purge"})
		if ev := lst.next(t, 10*time.Second); ev.Head != "incident-rows reload "+public.Ref {
			t.Fatalf("bob's list stream got %q first", ev.Head)
		}
		// An incident made private ends the streams of those who may no
		// longer see it, and they get nothing of it.
		e.exec(ada, public.Ref, warroom.SetPrivacy{Private: true})
		for {
			select {
			case ev := <-pub.events:
				if strings.Contains(ev.HTML, "made private") {
					t.Fatalf("bob's stream carried the privacy change: %q", ev.HTML)
				}
				continue
			case <-pub.closed:
			case <-time.After(10 * time.Second):
				t.Fatal("bob's stream of an incident made private did not end")
			}
			break
		}
	})
}

func TestLiveEntryReachesOtherViewers(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		ab, ada := e.signedIn("ada", warroom.AccountResponder)
		vb, _ := e.signedIn("vic", warroom.AccountViewer)
		inc := e.declare(ada, "Login loop", false)
		s := vb.follow("/incidents/" + inc.Ref + "/stream")
		resp, _ := ab.post("/incidents/"+inc.Ref+"/entries", url.Values{"type": {"decision"}, "text": {"disable SSO"}, "reason": {"IdP down"}, "trade_off": {"password only"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add entry: %d", resp.StatusCode)
		}
		ev := s.until(t, "timeline prepend", 10*time.Second)
		if !strings.Contains(ev.HTML, "disable SSO") || !strings.Contains(ev.HTML, "IdP down") || !strings.Contains(ev.HTML, "password only") {
			t.Fatalf("entry frame: %q", ev.HTML)
		}
		// The viewer's copy has no controls and shows vic's time zone.
		if strings.Contains(ev.HTML, "<form") || !strings.Contains(ev.HTML, "CET") {
			t.Fatalf("viewer's entry: %q", ev.HTML)
		}
		// A page opened before a change and followed after it catches up.
		late := vb.follow("/incidents/" + inc.Ref + "/stream?after=1")
		if ev := late.until(t, "timeline prepend", 10*time.Second); !strings.Contains(ev.HTML, `id="entry-2"`) {
			t.Fatalf("catch-up frame starts %q", ev.HTML[:min(len(ev.HTML), 80)])
		}
	})
}
