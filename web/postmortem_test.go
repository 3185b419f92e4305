package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// TestPostmortemEditor: the incident page links the editor; sections are
// prefilled; a save from an old version is refused with 409 and the typed
// text kept; blame is flagged; a refused action item names its field;
// publishing is refused with the list; the author cannot approve; another
// responder approves and publishes; the action items page lists the
// viewer's items and sets their status; a viewer gets no forms; a private
// incident's editor is hidden.
func TestPostmortemEditor(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		bobB, bob := e.signedIn("bob", warroom.AccountResponder)
		inc := e.declareSeverity(ada, "checkout down", warroom.SEV2, false)
		_, body := b.get("/incidents/" + inc.Ref)
		if !strings.Contains(body, `href="/incidents/`+inc.Ref+`/postmortem"`) {
			t.Fatal("the incident page does not link the postmortem")
		}
		path := "/incidents/" + inc.Ref + "/postmortem"
		resp, body := b.get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		for _, want := range []string{"it is a major incident", ">checkout down</textarea>", "(prefilled)", "review: submit it for review",
			"the postmortem is required (it is a major incident) and is draft, not published", `action="/incidents/` + inc.Ref + `/action-items"`} {
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("editor lacks %q", want)
			}
		}
		resp, _ = b.post(path+"/sections/root_causes", url.Values{"text": {"Human error by the on-call."}, "version": {"0"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		resp, body = bobB.post(path+"/sections/root_causes", url.Values{"text": {"my own words"}, "version": {"0"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "my own words</textarea>") || !strings.Contains(body, "saved by someone else") {
			t.Fatalf("conflicting save: %d", resp.StatusCode)
		}
		_, body = b.get(path)
		if !strings.Contains(body, "Human error by the on-call.</textarea>") || !strings.Contains(body, "<strong>Blame?</strong>") {
			t.Errorf("the first save is not kept or not flagged")
		}
		resp, body = b.post(path[:len(path)-len("/postmortem")]+"/action-items", url.Values{"title": {"alert on disk"}, "owner": {"nobody"},
			"target_date": {"2026-03-09"}, "category": {"resiliency"}, "criticality": {"high"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="ai-owner-error"`) || !strings.Contains(body, `value="alert on disk"`) {
			t.Fatalf("unknown owner: %d", resp.StatusCode)
		}
		resp, _ = b.post("/incidents/"+inc.Ref+"/action-items", url.Values{"title": {"alert on disk"}, "owner": {"bob"},
			"target_date": {"2026-03-09"}, "category": {"resiliency"}, "criticality": {"high"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add item: %d", resp.StatusCode)
		}
		resp, body = b.post(path+"/publish", nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(html.UnescapeString(body), "cannot be published yet") {
			t.Fatalf("early publish: %d", resp.StatusCode)
		}
		if resp, _ := b.post(path+"/submit", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
		if resp, _ := b.post(path+"/approve", nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("the author approved: %d", resp.StatusCode)
		}
		if resp, _ := bobB.post(path+"/approve", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}

		_, body = bobB.get("/action-items")
		if !strings.Contains(body, "alert on disk") || !strings.Contains(body, `href="/incidents/`+inc.Ref+`/postmortem#action-items"`) {
			t.Fatalf("bob's action items:\n%s", body)
		}
		items, err := e.store.ListActionItems(t.Context(), warroom.ActionItemFilter{OwnerID: bob.ID})
		if err != nil || len(items) != 1 {
			t.Fatal(items, err)
		}
		resp, _ = bobB.post("/action-items/"+items[0].ID, url.Values{"status": {"done"}, "back": {"/action-items"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/action-items" {
			t.Fatalf("done: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body = bobB.get("/action-items"); !strings.Contains(body, "No action items.") {
			t.Error("a done item is still listed as open")
		}

		vic, _ := e.signedIn("vic", warroom.AccountViewer)
		_, body = vic.get(path)
		if strings.Contains(body, "Submit for review") || strings.Contains(body, `name="title"`) || !strings.Contains(body, "readonly") {
			t.Error("a viewer is offered forms")
		}
		md, body := vic.get(path + ".md")
		if md.StatusCode != 200 || !strings.Contains(body, "# Postmortem: "+inc.Ref) {
			t.Errorf("export %d", md.StatusCode)
		}
		secret := e.declare(ada, "breach", true)
		if resp, _ := bobB.get("/incidents/" + secret.Ref + "/postmortem"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("private postmortem: %d", resp.StatusCode)
		}
	})
}
