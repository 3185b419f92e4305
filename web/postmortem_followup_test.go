package web

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// TestDraftedFollowUpsBecomeActionItems: the follow-ups drafted at the
// timeline session are listed on the postmortem until an action item takes
// one up; its link fills the add form with its title and proposed owner.
func TestDraftedFollowUpsBecomeActionItems(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		inc := e.declareSeverity(ada, "checkout down", warroom.SEV2, false)
		e.exec(ada, inc.Ref, warroom.DraftFollowUp{Title: "Alert on pool saturation", ProposedOwner: ada.ID})
		path := "/incidents/" + inc.Ref + "/postmortem"
		_, body := b.get(path)
		if !strings.Contains(body, "Drafted at the timeline session") || !strings.Contains(body, "Alert on pool saturation") {
			t.Fatalf("the draft is not listed:\n%s", body)
		}
		_, body = b.get(path + "?follow_up=" + seqOfDraft(t, e, inc.Ref))
		if !strings.Contains(html.UnescapeString(body), `value="Alert on pool saturation"`) || !strings.Contains(body, `id="ai-owner" name="owner" value="ada"`) {
			t.Fatalf("the form is not filled from the draft:\n%s", body)
		}
		resp, _ := b.post("/incidents/"+inc.Ref+"/action-items", url.Values{"title": {"alert on pool saturation "}, "owner": {"ada"},
			"target_date": {"2026-03-20"}, "category": {"improve_monitoring"}, "criticality": {"high"}})
		if resp.StatusCode != 303 {
			t.Fatalf("add item: %d", resp.StatusCode)
		}
		_, body = b.get(path)
		if strings.Contains(body, "Drafted at the timeline session") {
			t.Error("a draft an action item took up is still offered")
		}
	})
}

func seqOfDraft(t *testing.T, e *env, ref string) string {
	inc, err := e.store.FindIncident(t.Context(), ref)
	if err != nil || len(inc.DraftFollowUps) != 1 {
		t.Fatalf("drafts of %s: %v %v", ref, inc, err)
	}
	return strconv.FormatInt(inc.DraftFollowUps[0].Seq, 10)
}
