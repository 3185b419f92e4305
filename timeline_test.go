package warroom_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestAddEntry(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name     string
		entry    warroom.AddEntry
		want     warroom.Event // Type, Text, Reason, TradeOff, URL, Title compared
		describe string
		field    string // refused with EInvalid on this field
		msg      string
	}{
		{name: "note", entry: warroom.AddEntry{Type: warroom.EntryNote, Text: "5xx rate at 40%"},
			want: warroom.Event{Type: warroom.EntryNote, Text: "5xx rate at 40%"}, describe: "note: 5xx rate at 40%"},
		{name: "action", entry: warroom.AddEntry{Type: warroom.EntryAction, Text: "flushing the CDN cache"},
			want: warroom.Event{Type: warroom.EntryAction, Text: "flushing the CDN cache"}, describe: "action: flushing the CDN cache"},
		{name: "decision", entry: warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back 4.2", Reason: "errors began with the deploy", TradeOff: "lose the new checkout flow"},
			want:     warroom.Event{Type: warroom.EntryDecision, Text: "roll back 4.2", Reason: "errors began with the deploy", TradeOff: "lose the new checkout flow"},
			describe: "decision: roll back 4.2; because errors began with the deploy; trade-off: lose the new checkout flow"},
		{name: "decision without trade-off", entry: warroom.AddEntry{Type: warroom.EntryDecision, Text: "page the db team", Reason: "locks on orders"},
			want: warroom.Event{Type: warroom.EntryDecision, Text: "page the db team", Reason: "locks on orders"}, describe: "decision: page the db team; because locks on orders"},
		{name: "hypothesis", entry: warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "the 4.2 deploy"},
			want: warroom.Event{Type: warroom.EntryHypothesis, Text: "the 4.2 deploy"}, describe: "hypothesis: the 4.2 deploy"},
		{name: "https link", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "https://grafana.example.com/d/abc?from=now-1h", Title: "5xx dashboard", Text: "see the spike"},
			want:     warroom.Event{Type: warroom.EntryLink, URL: "https://grafana.example.com/d/abc?from=now-1h", Title: "5xx dashboard", Text: "see the spike"},
			describe: "link: 5xx dashboard https://grafana.example.com/d/abc?from=now-1h"},
		{name: "http link without text", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "http://logs.internal/q/1"},
			want: warroom.Event{Type: warroom.EntryLink, URL: "http://logs.internal/q/1"}, describe: "link:  http://logs.internal/q/1"},

		{name: "empty note", entry: warroom.AddEntry{Type: warroom.EntryNote}, field: "text", msg: "text is required"},
		{name: "blank action", entry: warroom.AddEntry{Type: warroom.EntryAction, Text: " \n"}, field: "text", msg: "text is required"},
		{name: "long note", entry: warroom.AddEntry{Type: warroom.EntryNote, Text: long(10001)}, field: "text", msg: "text must be at most 10000 characters"},
		{name: "decision without reason", entry: warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back"}, field: "reason", msg: "a decision needs its reasoning: what information it is based on"},
		{name: "decision with blank reason", entry: warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back", Reason: "  "}, field: "reason", msg: "a decision needs its reasoning: what information it is based on"},
		{name: "decision with long reason", entry: warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back", Reason: long(4001)}, field: "reason", msg: "reason must be at most 4000 characters"},
		{name: "decision with long trade-off", entry: warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back", Reason: "r", TradeOff: long(4001)}, field: "trade_off", msg: "trade off must be at most 4000 characters"},
		{name: "decision without text", entry: warroom.AddEntry{Type: warroom.EntryDecision, Reason: "r"}, field: "text", msg: "text is required"},
		{name: "empty hypothesis", entry: warroom.AddEntry{Type: warroom.EntryHypothesis}, field: "text", msg: "text is required"},
		{name: "javascript link", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "javascript:alert(1)"}, field: "url", msg: `"javascript:alert(1)" is not an absolute http or https URL`},
		{name: "relative link", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "/d/abc"}, field: "url", msg: `"/d/abc" is not an absolute http or https URL`},
		{name: "ftp link", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "ftp://files.example.com/x"}, field: "url", msg: `"ftp://files.example.com/x" is not an absolute http or https URL`},
		{name: "javascript link with host", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "javascript://example.com/%0aalert(1)"}, field: "url", msg: `"javascript://example.com/%0aalert(1)" is not an absolute http or https URL`},
		{name: "file link", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "file://fileserver/share/log.txt"}, field: "url", msg: `"file://fileserver/share/log.txt" is not an absolute http or https URL`},
		{name: "link without host", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "https://"}, field: "url", msg: `"https://" is not an absolute http or https URL`},
		{name: "link without URL", entry: warroom.AddEntry{Type: warroom.EntryLink, Title: "dash"}, field: "url", msg: `"" is not an absolute http or https URL`},
		{name: "link with long title", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "https://x.example.com", Title: long(201)}, field: "title", msg: "title must be at most 200 characters"},
		{name: "link with long text", entry: warroom.AddEntry{Type: warroom.EntryLink, URL: "https://x.example.com", Text: long(10001)}, field: "text", msg: "text must be at most 10000 characters"},
		{name: "correction type", entry: warroom.AddEntry{Type: warroom.EntryCorrection, Text: "x"}, field: "type", msg: "entry type must be note, action, decision, hypothesis or link"},
		{name: "hypothesis update type", entry: warroom.AddEntry{Type: warroom.EntryHypothesisUpdate, Text: "x"}, field: "type", msg: "entry type must be note, action, decision, hypothesis or link"},
		{name: "system type", entry: warroom.AddEntry{Type: warroom.EventRoleAssigned, Text: "x"}, field: "type", msg: "entry type must be note, action, decision, hypothesis or link"},
		{name: "no type", entry: warroom.AddEntry{Text: "x"}, field: "type", msg: "entry type must be note, action, decision, hypothesis or link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t)
			evs, err := r.try(bob, tt.entry, at(time.Minute))
			if tt.field != "" {
				wantErr(t, err, warroom.EInvalid, tt.field, tt.msg)
				if r.inc.Version != 4 {
					t.Fatalf("version = %d", r.inc.Version)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Fatalf("events = %v", types(evs))
			}
			e := evs[0]
			got := warroom.Event{Type: e.Type, Text: e.Text, Reason: e.Reason, TradeOff: e.TradeOff, URL: e.URL, Title: e.Title}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("entry = %+v, want %+v", got, tt.want)
			}
			if !e.Type.IsEntry() || e.Seq != 5 || e.ActorID != bob.UserID {
				t.Fatalf("event = %+v", e)
			}
			if d := warroom.Describe(&e, handle); d != tt.describe {
				t.Errorf("Describe = %q, want %q", d, tt.describe)
			}
			wantHyp := []warroom.Hypothesis(nil)
			if e.Type == warroom.EntryHypothesis {
				wantHyp = []warroom.Hypothesis{{Seq: 5, Text: tt.want.Text, Status: warroom.HypothesisOpen}}
			}
			if !reflect.DeepEqual(r.inc.Hypotheses, wantHyp) {
				t.Fatalf("hypotheses = %+v, want %+v", r.inc.Hypotheses, wantHyp)
			}
		})
	}
}

func TestIsEntry(t *testing.T) {
	entries := map[warroom.EventType]bool{
		warroom.EntryNote: true, warroom.EntryAction: true, warroom.EntryDecision: true, warroom.EntryHypothesis: true,
		warroom.EntryLink: true, warroom.EntryHypothesisUpdate: true, warroom.EntryCorrection: true,
		warroom.EventDeclared: false, warroom.EventStageChanged: false, warroom.EventRoleAssigned: false,
		warroom.EventBecameMajor: false, warroom.EventEntryStarred: false, "": false,
	}
	for typ, want := range entries {
		t.Run(string(typ), func(t *testing.T) {
			if got := typ.IsEntry(); got != want {
				t.Fatalf("IsEntry = %v, want %v", got, want)
			}
		})
	}
}

// hypothesisRun has a hypothesis at #5 and a note at #6.
func hypothesisRun(t *testing.T) *run {
	r := newRun(t)
	r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "the 4.2 deploy"}, at(time.Minute))
	r.do(ada, warroom.AddEntry{Type: warroom.EntryNote, Text: "deploy finished 08:55"}, at(2*time.Minute))
	return r
}

func TestUpdateHypothesis(t *testing.T) {
	for _, status := range []string{warroom.HypothesisEliminated, warroom.HypothesisConfirmed} {
		t.Run(status, func(t *testing.T) {
			r := hypothesisRun(t)
			evs := r.do(bob, warroom.UpdateHypothesis{Ref: 5, Status: status, Evidence: "errors stop on 4.1"}, at(time.Hour))
			e := evs[0]
			if len(evs) != 1 || e.Type != warroom.EntryHypothesisUpdate || e.Ref != 5 || e.HypothesisStatus != status || e.Evidence != "errors stop on 4.1" {
				t.Fatalf("events = %+v", evs)
			}
			want := []warroom.Hypothesis{{Seq: 5, Text: "the 4.2 deploy", Status: status, Evidence: "errors stop on 4.1"}}
			if !reflect.DeepEqual(r.inc.Hypotheses, want) {
				t.Fatalf("hypotheses = %+v, want %+v", r.inc.Hypotheses, want)
			}
			if got, want := warroom.Describe(&e, handle), "hypothesis #5 "+status+": errors stop on 4.1"; got != want {
				t.Errorf("Describe = %q, want %q", got, want)
			}
			_, err := r.try(bob, warroom.UpdateHypothesis{Ref: 5, Status: warroom.HypothesisConfirmed, Evidence: "more"}, at(2*time.Hour))
			wantErr(t, err, warroom.EConflict, "", "hypothesis #5 was already "+status)
		})
	}
	tests := []struct {
		name       string
		cmd        warroom.UpdateHypothesis
		field, msg string
	}{
		{"reopen", warroom.UpdateHypothesis{Ref: 5, Status: warroom.HypothesisOpen, Evidence: "e"}, "status", "status must be eliminated or confirmed"},
		{"no status", warroom.UpdateHypothesis{Ref: 5, Evidence: "e"}, "status", "status must be eliminated or confirmed"},
		{"no evidence", warroom.UpdateHypothesis{Ref: 5, Status: warroom.HypothesisEliminated}, "evidence", "evidence is required"},
		{"a note", warroom.UpdateHypothesis{Ref: 6, Status: warroom.HypothesisEliminated, Evidence: "e"}, "ref", "entry #6 is not a hypothesis of INC-7"},
		{"a system event", warroom.UpdateHypothesis{Ref: 1, Status: warroom.HypothesisEliminated, Evidence: "e"}, "ref", "entry #1 is not a hypothesis of INC-7"},
		{"no such entry", warroom.UpdateHypothesis{Ref: 99, Status: warroom.HypothesisEliminated, Evidence: "e"}, "ref", "entry #99 is not a hypothesis of INC-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := hypothesisRun(t)
			_, err := r.try(bob, tt.cmd, at(time.Hour))
			wantErr(t, err, warroom.EInvalid, tt.field, tt.msg)
			if r.inc.Hypotheses[0].Status != warroom.HypothesisOpen {
				t.Fatalf("hypothesis changed: %+v", r.inc.Hypotheses[0])
			}
		})
	}
}

func TestStar(t *testing.T) {
	r := hypothesisRun(t) // version 6
	refused := []struct {
		ref     int64
		starred bool
	}{{0, true}, {-1, true}, {7, true}, {7, false}, {100, true}}
	for _, tt := range refused {
		_, err := r.try(bob, warroom.Star{Ref: tt.ref, Starred: tt.starred}, at(time.Hour))
		wantErr(t, err, warroom.EInvalid, "ref", "INC-7 has no entry #"+itoa(tt.ref))
	}
	steps := []struct {
		ref      int64
		starred  bool
		conflict string
		want     []int64
		describe string
	}{
		{6, true, "", []int64{6}, "starred entry #6 for the postmortem"},
		{1, true, "", []int64{1, 6}, "starred entry #1 for the postmortem"},
		{5, true, "", []int64{1, 5, 6}, "starred entry #5 for the postmortem"},
		{6, true, "entry #6 is already starred", []int64{1, 5, 6}, ""},
		{5, false, "", []int64{1, 6}, "unstarred entry #5"},
		{5, false, "entry #5 is already not starred", []int64{1, 6}, ""},
		{2, false, "entry #2 is already not starred", []int64{1, 6}, ""},
		{9, true, "", []int64{1, 6, 9}, "starred entry #9 for the postmortem"}, // #9 is a system event (the star of #5)
	}
	for i, s := range steps {
		evs, err := r.try(bob, warroom.Star{Ref: s.ref, Starred: s.starred}, at(time.Hour))
		if s.conflict != "" {
			wantErr(t, err, warroom.EConflict, "", s.conflict)
		} else {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			wantType := warroom.EventEntryStarred
			if !s.starred {
				wantType = warroom.EventEntryUnstarred
			}
			if len(evs) != 1 || evs[0].Type != wantType || evs[0].Ref != s.ref {
				t.Fatalf("step %d: events %+v", i, evs)
			}
			if got := warroom.Describe(&evs[0], handle); got != s.describe {
				t.Errorf("step %d: Describe = %q, want %q", i, got, s.describe)
			}
		}
		if !reflect.DeepEqual(r.inc.Starred, s.want) {
			t.Fatalf("step %d: starred = %v, want %v", i, r.inc.Starred, s.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCorrect(t *testing.T) {
	r := hypothesisRun(t) // version 6
	for _, ref := range []int64{0, -3, 7} {
		_, err := r.try(bob, warroom.Correct{Ref: ref, Text: "x"}, at(time.Hour))
		wantErr(t, err, warroom.EInvalid, "ref", "INC-7 has no entry #"+itoa(ref))
	}
	for _, text := range []string{"", "  "} {
		_, err := r.try(bob, warroom.Correct{Ref: 6, Text: text}, at(time.Hour))
		wantErr(t, err, warroom.EInvalid, "text", "text is required")
	}
	_, err := r.try(bob, warroom.Correct{Ref: 6, Text: strings.Repeat("x", 10001)}, at(time.Hour))
	wantErr(t, err, warroom.EInvalid, "text", "text must be at most 10000 characters")

	before := r.inc.Clone()
	corrected := r.events[5]
	evs := r.do(ada, warroom.Correct{Ref: 6, Text: "deploy finished 08:50, not 08:55"}, at(time.Hour))
	e := evs[0]
	if len(evs) != 1 || e.Type != warroom.EntryCorrection || e.Ref != 6 || e.Text != "deploy finished 08:50, not 08:55" || e.Seq != 7 {
		t.Fatalf("events = %+v", evs)
	}
	if got, want := warroom.Describe(&e, handle), "correction of #6: deploy finished 08:50, not 08:55"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	// Nothing else changes: only the version and its time move on.
	before.Version, before.UpdatedAt = 7, at(time.Hour)
	if !reflect.DeepEqual(r.inc, before) {
		t.Fatalf("state after correction =\n%+v\nwant\n%+v", r.inc, before)
	}
	if !reflect.DeepEqual(r.events[5], corrected) {
		t.Fatal("the corrected entry changed")
	}
	// A hypothesis is corrected, not re-stated: it stays as it was.
	r.do(bob, warroom.Correct{Ref: 5, Text: "meant the 4.3 deploy"}, at(2*time.Hour))
	if want := []warroom.Hypothesis{{Seq: 5, Text: "the 4.2 deploy", Status: warroom.HypothesisOpen}}; !reflect.DeepEqual(r.inc.Hypotheses, want) {
		t.Fatalf("hypotheses = %+v", r.inc.Hypotheses)
	}
}

func TestClosedIncidentAcceptsOnlyNotesStarsCorrections(t *testing.T) {
	const closed = "INC-7 is closed; only notes, stars and corrections can be added"
	tests := []struct {
		name string
		cmd  warroom.Command
		ok   bool
	}{
		{"note", warroom.AddEntry{Type: warroom.EntryNote, Text: "postmortem on Tuesday"}, true},
		{"star", warroom.Star{Ref: 5, Starred: true}, true},
		{"unstar", warroom.Star{Ref: 6, Starred: false}, true},
		{"correction", warroom.Correct{Ref: 6, Text: "08:50"}, true},
		{"action", warroom.AddEntry{Type: warroom.EntryAction, Text: "restart"}, false},
		{"decision", warroom.AddEntry{Type: warroom.EntryDecision, Text: "x", Reason: "y"}, false},
		{"hypothesis", warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "x"}, false},
		{"link", warroom.AddEntry{Type: warroom.EntryLink, URL: "https://x.example.com"}, false},
		{"update hypothesis", warroom.UpdateHypothesis{Ref: 5, Status: warroom.HypothesisConfirmed, Evidence: "e"}, false},
		{"stage", warroom.ChangeStage{Stage: warroom.StageInvestigating}, false},
		{"reopen", warroom.Reopen{Reason: "r"}, false},
		{"severity", warroom.ChangeSeverity{Severity: warroom.SEV1}, false},
		{"impact", warroom.ChangeImpact{Impact: warroom.Impact{Description: "x"}}, false},
		{"impact start", warroom.CorrectImpactStart{At: at(-time.Hour), Reason: "r"}, false},
		{"assign role", warroom.AssignRole{Role: warroom.RoleScribe, UserID: cy.UserID}, false},
		{"release role", warroom.ReleaseRole{Role: warroom.RoleTechnicalLead}, false},
		{"mark major", warroom.MarkMajor{Reason: "r"}, false},
		{"privacy", warroom.SetPrivacy{Private: true}, false},
		{"participant", warroom.AddParticipant{UserID: cy.UserID}, false},
		{"details", warroom.UpdateDetails{Title: "new"}, false},
		{"acknowledge", warroom.Acknowledge{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := hypothesisRun(t)
			r.do(ada, warroom.Star{Ref: 6, Starred: true}, at(3*time.Minute))
			r.stageTo(warroom.StageClosed, ada, at(time.Hour))
			v := r.inc.Version
			evs, err := r.try(bob, tt.cmd, at(48*time.Hour))
			if !tt.ok {
				wantErr(t, err, warroom.EConflict, "", closed)
				if r.inc.Version != v {
					t.Fatal("state changed")
				}
				return
			}
			if err != nil || len(evs) != 1 || r.inc.Stage != warroom.StageClosed {
				t.Fatalf("events %v err %v stage %s", types(evs), err, r.inc.Stage)
			}
		})
	}
}
