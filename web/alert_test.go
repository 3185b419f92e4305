package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// TestAlertList: the list filters by state, service, severity and text,
// pages, names a bad filter next to its field, and leaves out the alerts
// of a private incident the viewer takes no part in.
func TestAlertList(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		p := newPagesEnv(t, db)
		ada, adaU := p.signedIn("ada", warroom.AccountResponder)
		bob, _ := p.signedIn("bob", warroom.AccountResponder)
		disk := p.alert("disk", "warning", "Disk 91% full on db-1")
		p.alert("api", "critical", "API 5xx above 5%")
		secret := p.declare(adaU, "Card data exposure", true)
		hidden := p.alert("leak", "error", "Unusual card export volume")
		if _, err := p.store.UpdateAlert(context.Background(), hidden.ID, p.clock.Now(), func(a *warroom.Alert) error {
			a.IncidentID = secret.ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		resp, body := ada.get("/alerts")
		want(t, "ada's list", resp, body, 200, "Disk 91% full on db-1", "API 5xx above 5%", "Unusual card export volume", secret.Ref,
			`<label for="f-status">State</label>`, `<span class="asev asev-critical">critical</span>`)
		resp, body = bob.get("/alerts")
		want(t, "bob's list", resp, body, 200, "Disk 91% full on db-1")
		wantNot(t, "bob's list", body, "Unusual card export volume", secret.Ref)
		resp, _ = bob.get("/alerts/" + hidden.ID)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("bob opened the alert of a private incident: %d", resp.StatusCode)
		}

		for query, wantIn := range map[string]string{
			"severity=warning":        "Disk 91% full",
			"q=5xx":                   "API 5xx",
			"status=firing&q=disk":    "Disk 91% full",
			"service=checkout&q=db-1": "Disk 91% full",
		} {
			resp, body := ada.get("/alerts?" + query)
			want(t, query, resp, body, 200, wantIn)
			if strings.Count(body, `<a href="/alerts/`) != 1 {
				t.Errorf("%s: %d alerts listed, want 1", query, strings.Count(body, `<a href="/alerts/`))
			}
		}
		resp, body = ada.get("/alerts?severity=loud")
		want(t, "bad severity", resp, body, 400, "severity must be critical, error, warning or info")
		resp, body = ada.get("/alerts?service=nope")
		want(t, "unknown service", resp, body, 400, `no service &#34;nope&#34;`)

		for i := range alertPageSize {
			p.alert("bulk-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "info", "bulk alert")
		}
		resp, body = ada.get("/alerts")
		want(t, "page 1", resp, body, 200, `href="/alerts?page=2"`)
		resp, body = ada.get("/alerts?page=2")
		want(t, "page 2", resp, body, 200, disk.Summary, `href="/alerts"`)
	})
}

// TestAlertActions: a responder acknowledges, declares from and attaches
// an alert from its page; a viewer sees no controls and is refused; an
// alert of a private incident cannot be acted on by a non-participant.
func TestAlertActions(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		p := newPagesEnv(t, db)
		ada, adaU := p.signedIn("ada", warroom.AccountResponder)
		viewer, _ := p.signedIn("vic", warroom.AccountViewer)
		bob, _ := p.signedIn("bob", warroom.AccountResponder)
		a := p.alert("disk", "warning", "Disk 91% full on db-1")

		resp, body := viewer.get("/alerts/" + a.ID)
		want(t, "viewer's alert page", resp, body, 200, "Disk 91% full on db-1", "firing")
		wantNot(t, "viewer's alert page", body, "/acknowledge", "/declare", "/attach", "Acknowledge</button>", "Declare</button>")
		for _, action := range []string{"acknowledge", "declare", "attach"} {
			resp, _ := viewer.post("/alerts/"+a.ID+"/"+action, url.Values{"severity": {"SEV2"}, "incident": {"INC-1"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("viewer %s: %d", action, resp.StatusCode)
			}
		}
		if got, _ := p.store.FindAlert(context.Background(), a.ID); got.Status != warroom.AlertFiring {
			t.Fatal("a viewer changed the alert")
		}

		// A forged CSRF token is refused before anything happens.
		resp, _ = ada.post("/alerts/"+a.ID+"/acknowledge", url.Values{"csrf": {"forged"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("forged CSRF: %d", resp.StatusCode)
		}

		resp, body = viewer.get("/alerts")
		wantNot(t, "viewer's list", body, "/acknowledge")
		// From the list: the button returns to the list as it was.
		e := p.alert("queue", "warning", "Queue lag above 5m")
		resp, body = ada.get("/alerts?status=firing")
		want(t, "ada's list", resp, body, 200, `action="/alerts/`+e.ID+`/acknowledge"`, `name="return" value="/alerts?status=firing"`)
		resp, _ = ada.post("/alerts/"+e.ID+"/acknowledge", url.Values{"return": {"/alerts?status=firing"}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/alerts?done=") || !strings.Contains(loc, "status=firing") {
			t.Fatalf("acknowledge from the list: %d to %q", resp.StatusCode, loc)
		}
		resp, body = ada.get("/alerts/" + a.ID)
		want(t, "ada's alert page", resp, body, 200, `action="/alerts/`+a.ID+`/acknowledge"`,
			`<label for="declare-severity">`, `<option value="SEV3" selected>`) // the rules would not declare a warning: SEV3
		resp, _ = ada.post("/alerts/"+a.ID+"/acknowledge", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("acknowledge: %d", resp.StatusCode)
		}
		resp, body = ada.get(resp.Header.Get("Location"))
		want(t, "after acknowledging", resp, body, 200, "Acknowledged: alert acknowledged.", `<span class="astatus astatus-acknowledged">`)
		wantNot(t, "after acknowledging", body, "/acknowledge\"")

		// Declare: a bad severity is named next to the field; a good one
		// opens the incident, which has the alert.
		resp, body = ada.post("/alerts/"+a.ID+"/declare", url.Values{"severity": {"SEV9"}})
		want(t, "bad severity", resp, body, 400, `id="severity-error"`, "severity must be one of")
		resp, _ = ada.post("/alerts/"+a.ID+"/declare", url.Values{"severity": {"SEV2"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/incidents/INC-") {
			t.Fatalf("declare: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		got, _ := p.store.FindAlert(context.Background(), a.ID)
		inc, err := p.store.FindIncident(context.Background(), got.IncidentID)
		if err != nil || inc.Severity != warroom.SEV2 || inc.Title != a.Summary {
			t.Fatalf("declared %+v, %v", inc, err)
		}

		// Attach another alert to that incident.
		b := p.alert("disk2", "warning", "Disk 95% full on db-2")
		resp, body = ada.get("/alerts/" + b.ID)
		want(t, "attach form", resp, body, 200, `<label for="attach-incident">`, `<option value="`+inc.Ref+`"`)
		resp, body = ada.post("/alerts/"+b.ID+"/attach", url.Values{"incident": {""}})
		want(t, "attach to nothing", resp, body, 400, `id="incident-error"`)
		resp, _ = ada.post("/alerts/"+b.ID+"/attach", url.Values{"incident": {inc.Ref}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("attach: %d", resp.StatusCode)
		}
		if got, _ := p.store.FindAlert(context.Background(), b.ID); got.IncidentID != inc.ID {
			t.Fatalf("attached to %q, want %s", got.IncidentID, inc.ID)
		}

		// A private incident's alert: bob, no participant, can neither
		// see nor act on it, nor attach an alert to the incident.
		secret := p.declare(adaU, "Card data exposure", true)
		c := p.alert("leak", "error", "Unusual card export volume")
		resp, _ = ada.post("/alerts/"+c.ID+"/attach", url.Values{"incident": {secret.Ref}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ada attaching to her private incident: %d", resp.StatusCode)
		}
		for _, action := range []string{"acknowledge", "declare"} {
			resp, _ := bob.post("/alerts/"+c.ID+"/"+action, url.Values{"severity": {"SEV2"}})
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("bob %s on a private incident's alert: %d", action, resp.StatusCode)
			}
		}
		d := p.alert("other", "info", "Queue lag")
		resp, body = bob.get("/alerts/" + d.ID)
		wantNot(t, "bob's attach choices", body, secret.Ref)
		resp, body = bob.post("/alerts/"+d.ID+"/attach", url.Values{"incident": {secret.Ref}})
		want(t, "bob attaching to a private incident", resp, body, 400, "no open incident")
		if got, _ := p.store.FindAlert(context.Background(), c.ID); got.Status != warroom.AlertFiring {
			t.Fatalf("bob changed the private incident's alert: %s", got.Status)
		}
	})
}
