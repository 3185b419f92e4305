package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// formKey reads the form_key of the first form of a page.
func formKey(t *testing.T, body string) string {
	t.Helper()
	_, k, ok := strings.Cut(body, `name="form_key" value="`)
	if !ok {
		t.Fatal("the form has no form_key")
	}
	k, _, _ = strings.Cut(k, `"`)
	return k
}

func TestFormsSentTwiceRunOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, _ := e.signedIn("ada", warroom.AccountResponder)
		_, page := b.get("/incidents/new")
		declare := url.Values{"title": {"Double click"}, "severity": {"SEV3"}, "form_key": {formKey(t, page)}}
		for range 2 {
			resp, body := b.post("/incidents", declare)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents/INC-1" {
				t.Fatalf("declare: %d to %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
		}
		if list, _ := e.store.ListIncidents(t.Context(), warroom.IncidentFilter{Viewer: warroom.Actor{Role: warroom.AccountAdmin}}); len(list) != 1 {
			t.Fatalf("%d incidents declared by one form sent twice", len(list))
		}
		_, page = b.get("/incidents/INC-1")
		key := formKey(t, page[strings.Index(page, `id="composer"`):])
		note := url.Values{"type": {"note"}, "text": {"sent twice"}, "form_key": {key}}
		for range 2 {
			if resp, _ := b.post("/incidents/INC-1/entries", note); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("entry: %d", resp.StatusCode)
			}
		}
		// The same key with other words is another request: refused, not
		// silently answered with the first entry.
		note.Set("text", "changed my mind")
		if resp, _ := b.post("/incidents/INC-1/entries", note); resp.StatusCode != http.StatusConflict {
			t.Fatalf("same key, other text: %d", resp.StatusCode)
		}
		events, _ := e.store.Timeline(t.Context(), mustIncident(t, e, "INC-1").ID, 0, 0)
		n := 0
		for _, ev := range events {
			if ev.Type == warroom.EntryNote {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d notes written by one form sent twice", n)
		}
	})
}

func mustIncident(t *testing.T, e *env, ref string) *warroom.Incident {
	inc, err := e.store.FindIncident(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}
