package warroom_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// recoveredRun is ada's minor incident, recovered after 40 minutes.
func recoveredRun(t *testing.T) *run {
	r := newRun(t)
	r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(40*time.Minute))
	return r
}

// completePM fills every written section of seed 001's six items.
func completePM(t *testing.T, inc *warroom.Incident) *warroom.Postmortem {
	t.Helper()
	pm := warroom.NewPostmortem(inc.ID)
	for _, s := range []warroom.Section{warroom.SectionSummary, warroom.SectionImpactCustomers, warroom.SectionImpactFinancial,
		warroom.SectionRootCauses, warroom.SectionResolution, warroom.SectionDetection} {
		var err error
		pm, _, err = warroom.EditSection(pm, ada, s, "text of "+string(s), 0, at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
	}
	return pm
}

func item(n int64) *warroom.ActionItem {
	return &warroom.ActionItem{ID: fmt.Sprint("ai-", n), Number: n, Title: "add an alert", OwnerID: "u-bob",
		TargetDate: "2025-03-20", Status: warroom.ActionOpen, Criticality: warroom.CriticalityHigh, Category: warroom.CategoryImproveMonitoring}
}

// TestPostmortemMissingItemByItem: each of the six items, emptied alone,
// is named in what is missing; all six complete leave nothing.
func TestPostmortemMissingItemByItem(t *testing.T) {
	r := recoveredRun(t)
	full := completePM(t, r.inc)
	items := []*warroom.ActionItem{item(1)}
	if m := warroom.PostmortemMissing(r.inc, full, items, at(time.Hour)); len(m) != 0 {
		t.Fatalf("complete postmortem misses %q", m)
	}
	cases := []struct {
		name  string
		clear warroom.Section
		want  string
	}{
		{"summary", warroom.SectionSummary, "summary"},
		{"customers", warroom.SectionImpactCustomers, "impact: customers affected"},
		{"financial", warroom.SectionImpactFinancial, "impact: financial impact"},
		{"duration", warroom.SectionImpactDuration, "impact: duration"},
		{"root causes", warroom.SectionRootCauses, "root causes"},
		{"resolution", warroom.SectionResolution, "resolution"},
		{"detection", warroom.SectionDetection, "detection: how the problem was found"},
		{"monitoring first", warroom.SectionDetectionMonitoring, "detection: say whether monitoring caught it before a customer did (yes or no)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pm := full.Clone()
			// Saving an empty text overrides the prefill, as a person would.
			pm, _, err := warroom.EditSection(pm, bob, c.clear, " ", pm.Sections[c.clear].Version, at(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			m := warroom.PostmortemMissing(r.inc, pm, items, at(2*time.Hour))
			if len(m) != 1 || m[0] != c.want {
				t.Errorf("missing %q, want [%q]", m, c.want)
			}
		})
	}
	t.Run("action items", func(t *testing.T) {
		cancelled := item(2)
		cancelled.Status = warroom.ActionCancelled
		for _, its := range [][]*warroom.ActionItem{nil, {cancelled}} {
			m := warroom.PostmortemMissing(r.inc, full, its, at(time.Hour))
			if len(m) != 1 || !strings.HasPrefix(m[0], "action items: add at least one") {
				t.Errorf("items %v: missing %q", its, m)
			}
		}
		noOwner := item(3)
		noOwner.OwnerID = ""
		m := warroom.PostmortemMissing(r.inc, full, []*warroom.ActionItem{noOwner}, at(time.Hour))
		if len(m) != 1 || m[0] != "action items: action item #3 (add an alert) has no owner or no target date" {
			t.Errorf("missing %q", m)
		}
	})
	t.Run("duration waits for recovery", func(t *testing.T) {
		open := newRun(t)
		m := warroom.PostmortemMissing(open.inc, completePM(t, open.inc), items, at(time.Hour))
		if len(m) != 1 || m[0] != "impact: duration" {
			t.Errorf("missing %q", m)
		}
	})
}

// TestPostmortemPrefill: the summary, impact, duration and detection start
// from the incident, and a saved section replaces its prefill.
func TestPostmortemPrefill(t *testing.T) {
	d := decl()
	d.Summary = "Checkout failed for EU customers."
	d.Impact = warroom.Impact{Customers: []string{"Acme", "Globex"}, UsersPercent: 12}
	d.Detection = warroom.DetectedByCustomerReport
	r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
	hyp := r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "a stale cache"}, at(time.Minute))[0].Seq
	hyp2 := r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "the 10:02 deploy"}, at(time.Minute))[0].Seq
	r.do(ada, warroom.UpdateHypothesis{Ref: hyp, Status: warroom.HypothesisEliminated, Evidence: "flushing changed nothing"}, at(2*time.Minute))
	r.do(ada, warroom.UpdateHypothesis{Ref: hyp2, Status: warroom.HypothesisConfirmed, Evidence: "errors began with it"}, at(3*time.Minute))
	r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(85*time.Minute))
	pm := warroom.NewPostmortem(r.inc.ID)
	now := at(2 * time.Hour)
	for s, want := range map[warroom.Section]string{
		warroom.SectionSummary:             "Checkout failed for EU customers.",
		warroom.SectionImpactCustomers:     "Customers: Acme, Globex. About 12% of users.",
		warroom.SectionImpactDuration:      "1h 25m of impact, from 2025-03-10T09:00:00Z to recovery at 2025-03-10T10:25:00Z.",
		warroom.SectionDetection:           "Reported by a customer at 2025-03-10T09:00:00Z.",
		warroom.SectionDetectionMonitoring: "no",
		warroom.SectionRootCauses:          "the 10:02 deploy (evidence: errors began with it)",
		warroom.SectionResolution:          "",
	} {
		if got := pm.Effective(r.inc, s, now).Text; got != want {
			t.Errorf("%s = %q, want %q", s, got, want)
		}
	}
	pm, _, err := warroom.EditSection(pm, ada, warroom.SectionSummary, "Written by hand.", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := pm.Effective(r.inc, warroom.SectionSummary, now); got.Text != "Written by hand." || got.Version != 1 || got.UpdatedBy != "u-ada" {
		t.Errorf("saved summary = %+v", got)
	}
}

// TestEditSectionConflict: two people editing one section from the same
// version: the second gets a conflict and the first's text stays; other
// sections are independent.
func TestEditSectionConflict(t *testing.T) {
	pm := warroom.NewPostmortem("inc-1")
	first, rev, err := warroom.EditSection(pm, ada, warroom.SectionRootCauses, "A disk filled.", 0, at(time.Minute))
	if err != nil || rev.Version != 1 || rev.By != "u-ada" {
		t.Fatalf("first edit: %+v %v", rev, err)
	}
	_, _, err = warroom.EditSection(first, bob, warroom.SectionRootCauses, "The cache expired.", 0, at(2*time.Minute))
	wantErr(t, err, warroom.EConflict, "", "section root_causes was saved by someone else since you opened it (version 1, yours was 0); reload it, merge your text and save again")
	if first.Sections[warroom.SectionRootCauses].Text != "A disk filled." {
		t.Error("the first edit was overwritten")
	}
	if _, _, err := warroom.EditSection(first, bob, warroom.SectionResolution, "Rolled back.", 0, at(2*time.Minute)); err != nil {
		t.Errorf("another section: %v", err)
	}
	if first.Version != 1 || pm.Version != 0 {
		t.Errorf("versions %d %d: edits must not change their input", first.Version, pm.Version)
	}
	_, _, err = warroom.EditSection(first, ada, "nonsense", "x", 0, at(time.Minute))
	wantErr(t, err, warroom.EInvalid, "section", "")
	_, _, err = warroom.EditSection(first, ada, warroom.SectionDetectionMonitoring, "maybe", 0, at(time.Minute))
	wantErr(t, err, warroom.EInvalid, "text", "monitoring_first is yes or no")
	_, _, err = warroom.EditSection(first, vic, warroom.SectionSummary, "x", 0, at(time.Minute))
	wantErr(t, err, warroom.EForbidden, "", "")
}

// TestPublishGate: publishing needs the six items, the review and the
// approval of someone other than the author; an edit in review withdraws
// the approval.
func TestPublishGate(t *testing.T) {
	r := recoveredRun(t)
	now := at(3 * time.Hour)
	items := []*warroom.ActionItem{item(1)}
	empty := warroom.NewPostmortem(r.inc.ID)
	_, err := warroom.PublishPostmortem(r.inc, empty, nil, ada, now)
	wantErr(t, err, warroom.EConflict, "", "the postmortem of INC-7 cannot be published yet: "+
		"impact: customers affected, financial impact; root causes; resolution; "+
		"action items: add at least one, with an owner and a target date; review: submit it for review")

	pm := completePM(t, r.inc)
	_, err = warroom.PublishPostmortem(r.inc, pm, items, ada, now)
	wantErr(t, err, warroom.EConflict, "", "the postmortem of INC-7 cannot be published yet: review: submit it for review")
	pm, err = warroom.SubmitPostmortem(pm, ada, now)
	if err != nil || pm.State != warroom.PostmortemInReview || pm.AuthorID != "u-ada" {
		t.Fatalf("submit: %+v %v", pm, err)
	}
	_, err = warroom.PublishPostmortem(r.inc, pm, items, ada, now)
	wantErr(t, err, warroom.EConflict, "", "the postmortem of INC-7 cannot be published yet: review: a reviewer other than the author has not approved it")
	_, err = warroom.ApprovePostmortem(pm, ada, now)
	wantErr(t, err, warroom.EForbidden, "", "the author cannot approve their own postmortem; ask another reviewer")
	_, err = warroom.ApprovePostmortem(pm, vic, now)
	wantErr(t, err, warroom.EForbidden, "", "")
	approved, err := warroom.ApprovePostmortem(pm, bob, now)
	if err != nil || approved.ApprovedBy != "u-bob" {
		t.Fatalf("approve: %+v %v", approved, err)
	}
	edited, _, err := warroom.EditSection(approved, ada, warroom.SectionSummary, "new words", approved.Sections[warroom.SectionSummary].Version, now)
	if err != nil || edited.ApprovedBy != "" || edited.State != warroom.PostmortemInReview {
		t.Fatalf("edit in review: %+v %v", edited, err)
	}
	published, err := warroom.PublishPostmortem(r.inc, approved, items, cy, now)
	if err != nil || published.State != warroom.PostmortemPublished || !published.PublishedAt.Equal(now) {
		t.Fatalf("publish: %+v %v", published, err)
	}
	_, _, err = warroom.EditSection(published, ada, warroom.SectionSummary, "late", published.Sections[warroom.SectionSummary].Version, now)
	wantErr(t, err, warroom.EConflict, "", "the postmortem is published and can no longer be edited")
	back, err := warroom.ReturnToDraft(approved, bob, now)
	if err != nil || back.State != warroom.PostmortemDraft || back.ApprovedBy != "" {
		t.Fatalf("return to draft: %+v %v", back, err)
	}
}

// TestPostmortemRequired: major incidents, SLO impact, data loss and a
// request by hand require a postmortem; a minor incident needs none.
func TestPostmortemRequired(t *testing.T) {
	cases := []struct {
		name string
		prep func(d *warroom.Declaration)
		hand bool
		want []string
	}{
		{"minor", func(*warroom.Declaration) {}, false, nil},
		{"major", func(d *warroom.Declaration) { d.Severity = warroom.SEV1 }, false, []string{"it is a major incident"}},
		{"slo", func(d *warroom.Declaration) { d.Impact.SLAImpact = true }, false, []string{"it hurt an SLO"}},
		{"data loss", func(d *warroom.Declaration) { d.Impact.DataLoss = true }, false, []string{"it lost data"}},
		{"by hand", func(*warroom.Declaration) {}, true, []string{"required by hand: the customer asked"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := decl()
			c.prep(&d)
			r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
			pm := warroom.NewPostmortem(r.inc.ID)
			if c.hand {
				var err error
				if pm, err = warroom.RequirePostmortem(pm, ada, true, "the customer asked", at(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if got := warroom.PostmortemRequiredReasons(r.inc, pm); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("reasons %q, want %q", got, c.want)
			}
		})
	}
	_, err := warroom.RequirePostmortem(warroom.NewPostmortem("x"), ada, true, " ", at(0))
	wantErr(t, err, warroom.EInvalid, "reason", "")
}

// TestBlameLint: each default pattern flags its words with a suggestion;
// people as subjects of a root cause are flagged there only; neutral text
// passes; configured patterns replace the defaults.
func TestBlameLint(t *testing.T) {
	defaults := warroom.DefaultBlamePatterns()
	people := []string{"ada", "Bob"}
	cases := []struct {
		section warroom.Section
		text    string
		flagged []string
	}{
		{warroom.SectionRootCauses, "The outage was caused by human error.", []string{"human error"}},
		{warroom.SectionSummary, "It was Bob's fault that the config shipped.", []string{"Bob's fault"}},
		{warroom.SectionWentWrong, "The on-call should have known about the limit.", []string{"should have known"}},
		{warroom.SectionRootCauses, "Bob deployed the change without a canary.", []string{"Bob"}},
		{warroom.SectionRootCauses, "The pipeline ran. @ada merged the change.", []string{"@ada"}},
		{warroom.SectionSummary, "Bob deployed the fix at 10:00.", nil},
		{warroom.SectionWentWrong, "A careless change went out.", []string{"careless"}},
		{warroom.SectionRootCauses, "The deploy pipeline allowed a config without a canary; the disk alert was missing.", nil},
	}
	for _, c := range cases {
		got := warroom.LintBlame(c.section, c.text, defaults, people)
		var words []string
		for _, f := range got {
			words = append(words, f.Text)
			if f.Suggestion == "" || f.Section != c.section {
				t.Errorf("%q: finding %+v", c.text, f)
			}
		}
		if fmt.Sprint(words) != fmt.Sprint(c.flagged) {
			t.Errorf("%q flagged %q, want %q", c.text, words, c.flagged)
		}
	}
	custom, err := warroom.ParseBlamePatterns(strings.NewReader("# ours\n\\bscrewed up\\b => say what broke\n"))
	if err != nil || len(custom) != 1 {
		t.Fatalf("parse: %v %v", custom, err)
	}
	if got := warroom.LintBlame(warroom.SectionSummary, "Ops SCREWED UP; human error", custom, nil); len(got) != 1 || got[0].Suggestion != "say what broke" {
		t.Errorf("custom lint %+v", got)
	}
	for _, bad := range []string{"no arrow here", "([ => x", " => x"} {
		if _, err := warroom.ParseBlamePatterns(strings.NewReader(bad)); warroom.ErrorCode(err) != warroom.EInvalid {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
