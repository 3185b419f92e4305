package e2e_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// writePostmortem completes, reviews and publishes an incident's
// postmortem through the CLI: the sections the incident did not prefill,
// one action item, submitted by ada, approved by bob (not the author),
// published by carol.
func writePostmortem(t *testing.T, s *server, p people, ref string) {
	t.Helper()
	for section, text := range map[string]string{
		"impact_financial": "no direct cost; orders were retried",
		"root_causes":      "a config without validation reached production",
		"resolution":       "failed over to eu-2, then rolled the config back",
	} {
		s.json(t, p["ada"], nil, "postmortem", "edit", ref, section, text)
	}
	due := time.Now().UTC().AddDate(0, 0, 7).Format(warroom.DateLayout)
	s.json(t, p["ada"], nil, "actions", "add", ref, "--title", "validate configs in CI", "--owner", "bob", "--due", due, "--category", "fix_root_cause")
	s.fails(t, p["ada"], exitFailed, "cannot be published yet: review: submit it for review", "postmortem", "publish", ref)
	s.json(t, p["ada"], nil, "postmortem", "submit", ref)
	s.fails(t, p["ada"], exitFailed, "the author cannot approve their own postmortem", "postmortem", "approve", ref)
	s.json(t, p["bob"], nil, "postmortem", "approve", ref)
	var v postmortem.View
	s.json(t, p["carol"], &v, "postmortem", "publish", ref)
	if v.State != warroom.PostmortemPublished {
		t.Fatalf("postmortem %s is %s", ref, v.State)
	}
	var ready struct{ Ready bool }
	s.json(t, p["carol"], &ready, "postmortem", "ready", ref)
	if !ready.Ready {
		t.Fatalf("%s is not ready to close after publishing", ref)
	}
}

// TestRecoveryToCloseThroughAPI takes a major incident from recovery to
// close through the HTTP API of `warroom serve`: the postmortem prefilled
// from the incident, a concurrent edit refused, bad action items refused
// naming the field, publishing refused with the list of what is missing,
// the author's own approval refused, closing refused until the
// postmortem is published and for anyone but the Incident Owner, then
// the Markdown export with the timeline.
func TestRecoveryToCloseThroughAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { recoveryToClose(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db")) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			t.Skip("WARROOM_TEST_POSTGRES is not set")
		}
		recoveryToClose(t, freshDatabase(t, base))
	})
}

func recoveryToClose(t *testing.T, dsn string) {
	s := startServer(t, dsn)
	p := people{"admin": bootstrapAdmin(t, s)}
	setUpDirectory(t, s, p)
	ada, bob, carol := p["ada"], p["bob"], p["carol"]

	var res warroom.CommandResult
	s.apiOK(t, ada, "POST", "/api/v1/incidents", map[string]any{"title": "Payments time out", "severity": "SEV2",
		"summary": "Card payments timed out for EU customers.", "detection": "monitoring",
		"impact": map[string]any{"customers": []string{"acme"}, "sla_impact": true}}, http.StatusCreated, &res)
	ref := res.Incident.Ref
	inc := "/api/v1/incidents/" + ref
	for _, stage := range []string{"mitigated", "recovered", "baseline"} {
		s.apiOK(t, ada, "POST", inc+"/stage", map[string]any{"stage": stage}, http.StatusOK, nil)
	}
	// warroom serve checks the return to baseline (docs/after-the-fire.md):
	// completing its checklist resolves the incident.
	s.apiOK(t, ada, "POST", inc+"/baseline", map[string]any{"checklist": map[string]any{
		"resilience_restored": true, "changes_persisted": true, "monitoring_baseline": true}}, http.StatusOK, nil)

	var v postmortem.View
	s.apiOK(t, bob, "GET", inc+"/postmortem", nil, http.StatusOK, &v)
	if v.State != warroom.PostmortemDraft || len(v.Required) != 2 || v.Sections[0].Text != "Card payments timed out for EU customers." {
		t.Fatalf("prefilled postmortem %+v", v)
	}
	s.apiOK(t, ada, "PUT", inc+"/postmortem/sections/root_causes", map[string]any{"text": "A pool limit of 10 connections.", "version": 0}, http.StatusOK, nil)
	if resp, body := s.api(t, bob, "PUT", inc+"/postmortem/sections/root_causes", "", map[string]any{"text": "mine", "version": 0}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("concurrent edit: %d %s", resp.StatusCode, body)
	}
	for section, text := range map[string]string{"impact_financial": "about 2,000 EUR of failed orders",
		"resolution": "raised the pool limit to 50"} {
		s.apiOK(t, bob, "PUT", inc+"/postmortem/sections/"+section, map[string]any{"text": text, "version": 0}, http.StatusOK, nil)
	}
	if resp, body := s.api(t, ada, "POST", inc+"/postmortem/publish", "", nil); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(string(body), "action items: add at least one") || !strings.Contains(string(body), "review: submit it for review") {
		t.Fatalf("early publish: %d %s", resp.StatusCode, body)
	}
	past := time.Now().UTC().AddDate(0, 0, -2).Format(warroom.DateLayout)
	if resp, body := s.api(t, ada, "POST", inc+"/action-items", "", map[string]any{"title": "alert on pool saturation", "owner": "bob",
		"target_date": past, "category": "improve_monitoring"}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"field":"target_date"`) {
		t.Fatalf("past target date: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.api(t, ada, "POST", inc+"/action-items", "", map[string]any{"title": "alert on pool saturation", "owner": "nobody",
		"target_date": time.Now().UTC().Format(warroom.DateLayout), "category": "improve_monitoring"}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"field":"owner"`) {
		t.Fatalf("unknown owner: %d %s", resp.StatusCode, body)
	}
	var item postmortem.ItemView
	s.apiOK(t, ada, "POST", inc+"/action-items", map[string]any{"title": "alert on pool saturation", "owner": "bob",
		"target_date": time.Now().UTC().AddDate(0, 0, 14).Format(warroom.DateLayout), "category": "improve_monitoring", "criticality": "high"}, http.StatusCreated, &item)

	var ready struct {
		Ready   bool
		Missing []string
	}
	s.apiOK(t, carol, "GET", inc+"/close-readiness", nil, http.StatusOK, &ready)
	if ready.Ready || len(ready.Missing) != 1 || !strings.Contains(ready.Missing[0], "the postmortem is required") {
		t.Fatalf("readiness %+v", ready)
	}
	if resp, body := s.api(t, ada, "POST", inc+"/stage", "", map[string]any{"stage": "closed"}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(string(body), "cannot close yet") {
		t.Fatalf("early close: %d %s", resp.StatusCode, body)
	}
	s.apiOK(t, ada, "POST", inc+"/postmortem/submit", nil, http.StatusOK, nil)
	if resp, _ := s.api(t, ada, "POST", inc+"/postmortem/approve", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the author approved: %d", resp.StatusCode)
	}
	s.apiOK(t, carol, "POST", inc+"/postmortem/approve", nil, http.StatusOK, nil)
	s.apiOK(t, bob, "POST", inc+"/postmortem/publish", nil, http.StatusOK, &v)
	if v.State != warroom.PostmortemPublished || len(v.Missing) != 0 {
		t.Fatalf("published %+v", v)
	}
	if resp, _ := s.api(t, bob, "POST", inc+"/stage", "", map[string]any{"stage": "closed"}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bob, not the Incident Owner, closed: %d", resp.StatusCode)
	}
	s.apiOK(t, ada, "POST", inc+"/stage", map[string]any{"stage": "closed"}, http.StatusOK, &res)
	if res.Incident.Stage != warroom.StageClosed {
		t.Fatalf("stage %s", res.Incident.Stage)
	}
	// Follow-ups go on after closing; done is recorded on the timeline.
	s.apiOK(t, bob, "PATCH", "/api/v1/action-items/"+item.ID, map[string]any{"status": "done"}, http.StatusOK, nil)
	resp, md := s.api(t, carol, "GET", inc+"/postmortem/export", "", nil)
	for _, want := range []string{"# Postmortem: " + ref + " Payments time out", "- Approved by: @carol", "## Root causes\n\nA pool limit of 10 connections.",
		"| 1 | alert on pool saturation | @bob | high |", "postmortem published", "action item #1 (alert on pool saturation) done", "## Timeline"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(md), want) {
			t.Errorf("export lacks %q:\n%s", want, md)
		}
	}
}
