package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// TestPostmortemAPI: the document's answers and refusals through HTTP:
// 409 on a concurrent section edit, 400 naming the field for bad items,
// 409 with the list on early publishing, 403 for the author's own
// approval and for viewers, 404 for a private incident, the Markdown
// export and the close readiness.
func TestPostmortemAPI(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.declare("ada", "checkout down", false)
	base := "/api/v1/incidents/" + inc.Ref
	v := ok[postmortem.View](t, e.do("vic", "GET", base+"/postmortem", nil), 200)
	if v.State != warroom.PostmortemDraft || len(v.Sections) != len(warroom.Sections) || len(v.Required) != 0 {
		t.Fatalf("view %+v", v)
	}
	ok[postmortem.View](t, e.do("ada", "PUT", base+"/postmortem/sections/root_causes", map[string]any{"text": "Human error.", "version": 0}), 200)
	msg := wantErr(t, e.do("bob", "PUT", base+"/postmortem/sections/root_causes", map[string]any{"text": "mine", "version": 0}), 409, warroom.EConflict, "")
	wantContains(t, msg, "saved by someone else")
	wantErr(t, e.do("ada", "PUT", base+"/postmortem/sections/nonsense", map[string]any{"text": "x", "version": 0}), 400, warroom.EInvalid, "section")
	wantErr(t, e.do("vic", "PUT", base+"/postmortem/sections/summary", map[string]any{"text": "x", "version": 0}), 403, warroom.EForbidden, "")
	v = ok[postmortem.View](t, e.do("ada", "GET", base+"/postmortem", nil), 200)
	if len(v.Findings) != 1 || v.Findings[0].Text != "Human error" {
		t.Errorf("findings %+v", v.Findings)
	}
	hist := ok[revisionList](t, e.do("vic", "GET", base+"/postmortem/history?section=root_causes", nil), 200)
	if len(hist.Revisions) != 1 || hist.Revisions[0].By != e.users["ada"].ID {
		t.Errorf("history %+v", hist)
	}

	wantErr(t, e.do("ada", "POST", base+"/action-items", map[string]any{"title": "alert", "owner": "@nobody", "target_date": "2025-03-09", "category": "resiliency"}), 400, warroom.EInvalid, "owner")
	wantErr(t, e.do("ada", "POST", base+"/action-items", map[string]any{"title": "alert", "owner": "bob", "target_date": "2025-02-28", "category": "resiliency"}), 400, warroom.EInvalid, "target_date")
	wantErr(t, e.do("ada", "POST", base+"/action-items", map[string]any{"title": "alert", "owner": "bob", "target_date": "2025-03-09", "category": "luck"}), 400, warroom.EInvalid, "category")
	wantErr(t, e.do("ada", "POST", base+"/action-items", map[string]any{"title": "alert", "owner": "bob", "due": "2025-03-09"}), 400, warroom.EInvalid, "due")
	it := ok[postmortem.ItemView](t, e.do("ada", "POST", base+"/action-items", map[string]any{"title": "Alert on disk", "owner": "bob",
		"target_date": "2025-03-09", "category": "improve_monitoring", "criticality": "high"}), 201)
	if it.Owner != "@bob" || it.Number != 1 || it.Status != warroom.ActionOpen {
		t.Fatalf("item %+v", it)
	}
	mine := ok[itemList](t, e.do("bob", "GET", "/api/v1/action-items?owner=bob&open=true", nil), 200)
	if len(mine.Items) != 1 || mine.Items[0].ID != it.ID || mine.Items[0].Ref != inc.Ref {
		t.Fatalf("bob's items %+v", mine)
	}
	wantErr(t, e.do("bob", "GET", "/api/v1/action-items?open=maybe", nil), 400, warroom.EInvalid, "open")
	changed := ok[postmortem.ItemView](t, e.do("bob", "PATCH", "/api/v1/action-items/"+it.ID, map[string]any{"status": "in_progress", "ticket_key": "SRE-9"}), 200)
	if changed.Status != warroom.ActionInProgress || changed.TicketKey != "SRE-9" {
		t.Fatalf("changed %+v", changed)
	}
	wantErr(t, e.do("bob", "PATCH", "/api/v1/action-items/nope", map[string]any{"status": "done"}), 404, warroom.ENotFound, "")

	msg = wantErr(t, e.do("ada", "POST", base+"/postmortem/publish", nil), 409, warroom.EConflict, "")
	wantContains(t, msg, "cannot be published yet", "impact:", "resolution", "review: submit it for review")
	ok[postmortem.View](t, e.do("ada", "POST", base+"/postmortem/submit", nil), 200)
	wantErr(t, e.do("ada", "POST", base+"/postmortem/approve", nil), 403, warroom.EForbidden, "")
	ok[postmortem.View](t, e.do("bob", "POST", base+"/postmortem/reject", nil), 200)

	md := e.do("vic", "GET", base+"/postmortem/export", nil)
	if md.Status != 200 || !strings.HasPrefix(md.Header.Get("Content-Type"), "text/markdown") || !strings.Contains(string(md.Body), "| 1 | Alert on disk | @bob |") {
		t.Fatalf("export %s", md)
	}
	ready := ok[closeReadinessAnswer](t, e.do("vic", "GET", base+"/close-readiness", nil), 200)
	if !ready.Ready || len(ready.Missing) != 0 {
		t.Errorf("a minor incident that paged nobody is ready: %+v", ready)
	}
	ok[postmortem.View](t, e.do("ada", "POST", base+"/postmortem/required", map[string]any{"required": true, "reason": "customer asked"}), 200)
	ready = ok[closeReadinessAnswer](t, e.do("vic", "GET", base+"/close-readiness", nil), 200)
	if ready.Ready || len(ready.Missing) != 1 || !strings.Contains(ready.Missing[0], "required by hand: customer asked") {
		t.Errorf("readiness %+v", ready)
	}

	secret := e.declare("ada", "breach", true)
	for _, r := range []resp{
		e.do("bob", "GET", "/api/v1/incidents/"+secret.Ref+"/postmortem", nil),
		e.do("bob", "PUT", "/api/v1/incidents/"+secret.Ref+"/postmortem/sections/summary", map[string]any{"text": "x", "version": 0}),
		e.do("bob", "POST", "/api/v1/incidents/"+secret.Ref+"/action-items", map[string]any{"title": "x", "owner": "bob", "target_date": "2025-03-09", "category": "resiliency"}),
		e.do("bob", "GET", "/api/v1/incidents/"+secret.Ref+"/close-readiness", nil),
	} {
		wantMsg(t, wantErr(t, r, http.StatusNotFound, warroom.ENotFound, ""), "incident "+secret.Ref+" not found")
	}
}

// TestPostmortemRequestsReplayWithTheirKey: the postmortem's requests
// and new action items take an Idempotency-Key as incident commands do.
// Without it, the CLI's retry of a request that got no answer made a
// second action item, and a retried submit answered 409.
func TestPostmortemRequestsReplayWithTheirKey(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := newEnvOn(t, storeDSN(t, db), nil)
		inc := e.declare("ada", "checkout down", false)
		base := "/api/v1/incidents/" + inc.Ref
		item := map[string]any{"title": "Alert on disk", "owner": "bob", "target_date": "2025-03-09", "category": "improve_monitoring"}
		key := []string{"Idempotency-Key", "item-1"}

		first := e.do("ada", "POST", base+"/action-items", item, key...)
		it := ok[postmortem.ItemView](t, first, 201)
		again := e.do("ada", "POST", base+"/action-items", item, key...)
		replayed := ok[postmortem.ItemView](t, again, 201)
		if again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" || replayed.ID != it.ID {
			t.Fatalf("retry: %s (first %s)", again, first)
		}
		if items := ok[itemList](t, e.do("ada", "GET", base+"/action-items", nil), 200); len(items.Items) != 1 {
			t.Fatalf("%d action items after a retry, want 1", len(items.Items))
		}
		other := map[string]any{"title": "Another", "owner": "bob", "target_date": "2025-03-09", "category": "resiliency"}
		msg := wantErr(t, e.do("ada", "POST", base+"/action-items", other, key...), 409, warroom.EConflict, "")
		wantContains(t, msg, `Idempotency-Key "item-1" was already used for a different request`)
		// Another user's key is theirs alone.
		ok[postmortem.ItemView](t, e.do("bob", "POST", base+"/action-items", item, key...), 201)

		// A refused request frees its key: the corrected one runs.
		bad := map[string]any{"title": "x", "owner": "@nobody", "target_date": "2025-03-09", "category": "resiliency"}
		wantErr(t, e.do("ada", "POST", base+"/action-items", bad, "Idempotency-Key", "item-2"), 400, warroom.EInvalid, "owner")
		wantErr(t, e.do("ada", "POST", base+"/action-items", bad, "Idempotency-Key", "item-2"), 400, warroom.EInvalid, "owner")

		submit := e.do("ada", "POST", base+"/postmortem/submit", nil, "Idempotency-Key", "submit-1")
		ok[postmortem.View](t, submit, 200)
		resubmit := e.do("ada", "POST", base+"/postmortem/submit", nil, "Idempotency-Key", "submit-1")
		if resubmit.Status != 200 || resubmit.Header.Get("Idempotent-Replayed") != "true" || string(resubmit.Body) != string(submit.Body) {
			t.Fatalf("retried submit: %s", resubmit)
		}
		wantErr(t, e.do("ada", "POST", base+"/postmortem/submit", nil), 409, warroom.EConflict, "")
		wantErr(t, e.do("ada", "POST", base+"/postmortem/submit", nil, "Idempotency-Key", strings.Repeat("k", 256)), 400, warroom.EInvalid, "Idempotency-Key")

		// Someone who may not see a private incident writes nothing, not
		// even the key: it is theirs to use for another request.
		secret := e.declare("ada", "breach", true)
		wantErr(t, e.do("bob", "POST", "/api/v1/incidents/"+secret.Ref+"/action-items", item, "Idempotency-Key", "probe"), 404, warroom.ENotFound, "")
		ok[postmortem.ItemView](t, e.do("bob", "POST", base+"/action-items", other, "Idempotency-Key", "probe"), 201)
	})
}
