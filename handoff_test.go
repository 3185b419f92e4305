package warroom_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// The incoming shift of the handoff tests: dan (the cast's database
// responder) commands, eve leads, fay supports.
var (
	eve = warroom.Actor{UserID: "u-eve", Handle: "eve", TeamID: "t-apac", Role: warroom.AccountResponder}
	fay = warroom.Actor{UserID: "u-fay", Handle: "fay", TeamID: "t-apac", Role: warroom.AccountResponder}
)

// shiftRun is an incident worked by the outgoing shift: ada declared it
// (Incident Owner, Technical Lead), bob commands, cy investigates; two
// hypotheses, one eliminated; the handoff to dan is started and dan has
// named eve and fay, all by base+2h.
func shiftRun(t *testing.T, p warroom.Policy) *run {
	t.Helper()
	d := decl()
	d.BridgeURL = "https://meet.example/inc-7" // prefilled into the brief
	r := declareRun(t, d, ada, at(0), p)
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	r.do(bob, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: cy.UserID}, at(2*time.Minute))
	dns := r.do(ada, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "DNS resolution fails"}, at(10*time.Minute))[0].Seq
	r.do(cy, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "connection pool exhausted"}, at(11*time.Minute))
	r.do(ada, warroom.UpdateHypothesis{Ref: dns, Status: warroom.HypothesisEliminated, Evidence: "dig answers in 2ms"}, at(20*time.Minute))
	r.do(bob, warroom.StartHandoff{IncomingCommander: dan.UserID}, at(2*time.Hour-10*time.Minute))
	r.do(dan, warroom.NameHandoffTeam{TechnicalLead: eve.UserID, Supporting: []string{fay.UserID}}, at(2*time.Hour-5*time.Minute))
	return r
}

// fullBrief is what people write; the record's parts are prefilled.
func fullBrief() warroom.HandoffBrief {
	return warroom.HandoffBrief{
		TechnicalStatus: "pool size raised on 2 of 5 hosts; error rate down from 30% to 8%",
		Channels:        warroom.HandoffChannels{Chat: "#inc-7-checkout", TrackingDoc: "https://docs.example/inc-7", EmailThread: "none"},
		ExternalPeople:  "Lee from the payments vendor (on the bridge)",
	}
}

func lastUpdate() *warroom.Update {
	return &warroom.Update{ID: "up-1", Audience: warroom.AudienceCustomers, Subject: "Checkout degraded",
		Body: "Some payments fail; next update by 11:00 UTC.", At: at(90 * time.Minute)}
}

func TestHandoffCompletes(t *testing.T) {
	r := shiftRun(t, warroom.DefaultPolicy())
	done := at(2 * time.Hour)
	evs := r.do(dan, warroom.CompleteHandoff{Brief: fullBrief(), LastUpdate: lastUpdate(), Teams: map[string]string{eve.UserID: "t-apac"}}, done)
	if evs[0].Type != warroom.EventHandoffCompleted {
		t.Fatalf("first event %s", evs[0].Type)
	}
	b := evs[0].Handoff.Brief
	// Prefilled from the real timeline and the last customer update.
	if want := []string{"#8 connection pool exhausted"}; !reflect.DeepEqual(b.OpenHypotheses, want) {
		t.Errorf("open hypotheses = %q, want %q", b.OpenHypotheses, want)
	}
	if want := []string{"#7 DNS resolution fails (dig answers in 2ms)"}; !reflect.DeepEqual(b.EliminatedHypotheses, want) {
		t.Errorf("eliminated hypotheses = %q, want %q", b.EliminatedHypotheses, want)
	}
	if b.LastCustomerUpdateAt == nil || !b.LastCustomerUpdateAt.Equal(at(90*time.Minute)) ||
		b.LastCustomerUpdate != "Checkout degraded\n\nSome payments fail; next update by 11:00 UTC." {
		t.Errorf("last customer update = %v %q", b.LastCustomerUpdateAt, b.LastCustomerUpdate)
	}
	inc := r.inc
	if got := inc.Holder(warroom.RoleIncidentCommander); got != dan.UserID {
		t.Errorf("IC = %s", got)
	}
	if got := inc.Holder(warroom.RoleTechnicalLead); got != eve.UserID {
		t.Errorf("TL = %s", got)
	}
	if got := inc.Roles[warroom.RoleParallelInvestigator]; !reflect.DeepEqual(got, []string{fay.UserID}) {
		t.Errorf("parallel investigators = %v", got)
	}
	// Seed 004: the Incident Owner is not handed over at a shift change.
	if got := inc.Holder(warroom.RoleIncidentOwner); got != ada.UserID {
		t.Errorf("Incident Owner = %s, want ada (stays)", got)
	}
	h := inc.LastHandoff()
	if want := []string{bob.UserID, ada.UserID, cy.UserID}; !reflect.DeepEqual(h.Outgoing, want) {
		t.Errorf("outgoing = %v, want %v", h.Outgoing, want)
	}
	for _, e := range evs[1:] {
		if e.Reason != "shift handoff" {
			t.Errorf("%s %s reason %q", e.Type, e.Role, e.Reason)
		}
	}
	text := warroom.Describe(&evs[0], handle)
	for _, want := range []string{"@bob → @dan", "Technical Lead @eve", "supporting @fay", "leaving: @bob, @ada, @cy",
		"Technical status: pool size raised", "Open hypotheses: #8 connection pool", "Eliminated hypotheses: #7 DNS",
		"Last customer update (2025-03-10 10:30 UTC): Checkout degraded", "bridge https://meet.example/inc-7", "tracking doc https://docs.example/inc-7",
		"Outside the team: Lee"} {
		if !strings.Contains(text, want) {
			t.Errorf("brief text lacks %q:\n%s", want, text)
		}
	}

	// The incoming people acknowledge; nobody else, and once each.
	_, err := r.try(bob, warroom.AcknowledgeHandoff{}, done.Add(time.Minute))
	wantErr(t, err, warroom.EForbidden, "", "only the incoming people of the handoff acknowledge its brief")
	for _, a := range []warroom.Actor{dan, eve, fay} {
		r.do(a, warroom.AcknowledgeHandoff{}, done.Add(time.Minute))
	}
	if p := r.inc.LastHandoff().PendingAcknowledgement(); len(p) != 0 {
		t.Errorf("pending acknowledgement = %v", p)
	}
	_, err = r.try(eve, warroom.AcknowledgeHandoff{}, done.Add(2*time.Minute))
	wantErr(t, err, warroom.EConflict, "", "")
}

func TestHandoffRefusedWithWhatIsMissing(t *testing.T) {
	r := declareRun(t, decl(), ada, at(0), warroom.DefaultPolicy())
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	_, err := r.try(cy, warroom.StartHandoff{IncomingCommander: dan.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EForbidden, "", "only the outgoing Incident Commander names the incoming one (seed 004)")
	_, err = r.try(bob, warroom.CompleteHandoff{Brief: fullBrief()}, at(time.Hour))
	wantErr(t, err, warroom.EConflict, "", "")
	r.do(bob, warroom.StartHandoff{IncomingCommander: dan.UserID}, at(time.Hour))
	_, err = r.try(bob, warroom.NameHandoffTeam{TechnicalLead: eve.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EForbidden, "", "only the incoming Incident Commander names the incoming Technical Lead and supporting responders (seed 004)")

	// Nothing written, no team named: the whole list, in the seed's order.
	_, err = r.try(bob, warroom.CompleteHandoff{}, at(time.Hour))
	wantErr(t, err, warroom.EInvalid, "brief", "the handoff cannot be completed; missing: "+
		"the incoming Technical Lead, named by the incoming Incident Commander; technical status; "+
		"open and eliminated hypotheses (the timeline has none: say why in hypotheses_note); "+
		"the most recent customer update (none was sent: say why in customer_update_note); "+
		"channels in play: chat channel (write none if there is none); channels in play: bridge (write none if there is none); "+
		"channels in play: tracking document (write none if there is none); channels in play: email thread (write none if there is none); "+
		"key people outside the team engaged (write none if nobody)")

	r.do(dan, warroom.NameHandoffTeam{TechnicalLead: eve.UserID}, at(time.Hour))
	b := fullBrief()
	b.Channels.Bridge = "https://meet.example/inc-7"
	_, err = r.try(bob, warroom.CompleteHandoff{Brief: b}, at(time.Hour))
	wantErr(t, err, warroom.EInvalid, "brief", "the handoff cannot be completed; missing: "+
		"open and eliminated hypotheses (the timeline has none: say why in hypotheses_note); "+
		"the most recent customer update (none was sent: say why in customer_update_note)")
	b.HypothesesNote, b.CustomerUpdateNote = "none yet: gathering data", "customers not affected yet"
	r.do(bob, warroom.CompleteHandoff{Brief: b}, at(time.Hour))
	if got := r.inc.Holder(warroom.RoleIncidentOwner); got != ada.UserID {
		t.Errorf("owner = %s", got)
	}
}

// TestHandoffIncomingSeePrivateIncident: the people named for the
// incoming shift take part at once, so a private incident is theirs to
// read before the brief.
func TestHandoffIncomingSeePrivateIncident(t *testing.T) {
	d := decl()
	d.Private = true
	r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	if r.inc.VisibleTo(dan) {
		t.Fatal("dan sees the private incident before being named")
	}
	r.do(bob, warroom.StartHandoff{IncomingCommander: dan.UserID}, at(time.Hour))
	r.do(dan, warroom.NameHandoffTeam{TechnicalLead: eve.UserID, Supporting: []string{fay.UserID}}, at(time.Hour))
	for _, a := range []warroom.Actor{dan, eve, fay} {
		if !r.inc.VisibleTo(a) {
			t.Errorf("%s cannot see the incident they are to take over", a.Handle)
		}
	}
}

func TestHandoffPendingIsReplacedAndOnlyOpenIncidents(t *testing.T) {
	r := declareRun(t, decl(), ada, at(0), warroom.DefaultPolicy())
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	r.do(bob, warroom.StartHandoff{IncomingCommander: cy.UserID}, at(time.Hour))
	r.do(bob, warroom.StartHandoff{IncomingCommander: dan.UserID}, at(time.Hour))
	if len(r.inc.Handoffs) != 1 || r.inc.PendingHandoff().IncomingCommander != dan.UserID {
		t.Fatalf("handoffs = %+v", r.inc.Handoffs)
	}
	_, err := r.try(bob, warroom.StartHandoff{IncomingCommander: bob.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EInvalid, "incoming_commander", "")
	r.p.BaselineGate = false
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(time.Hour))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageBaseline}, at(time.Hour))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageResolved}, at(time.Hour))
	_, err = r.try(bob, warroom.StartHandoff{IncomingCommander: dan.UserID}, at(time.Hour))
	wantErr(t, err, warroom.EConflict, "", "")
}

// TestHandoffGrace runs handoff+30 with the injected clock in both modes.
func TestHandoffGrace(t *testing.T) {
	done := at(2 * time.Hour)
	complete := func(t *testing.T, p warroom.Policy) *run {
		r := shiftRun(t, p)
		r.do(bob, warroom.CompleteHandoff{Brief: fullBrief(), LastUpdate: lastUpdate()}, done)
		return r
	}
	action := warroom.AddEntry{Type: warroom.EntryAction, Text: "restarting the pool on host 3"}
	t.Run("refuse", func(t *testing.T) {
		r := complete(t, warroom.DefaultPolicy())
		// Within the grace the outgoing people still work.
		r.do(ada, action, done.Add(29*time.Minute+59*time.Second))
		for _, cmd := range []warroom.Command{action, warroom.ChangeStage{Stage: warroom.StageMitigated}} {
			_, err := r.try(ada, cmd, done.Add(30*time.Minute))
			wantErr(t, err, warroom.EForbidden, "", "handoff+30: you left INC-7 at the shift handoff of 11:00 UTC and your grace of 30m0s ended at 11:30 UTC; "+
				"outgoing people may still add notes and answer questions, but not actions, stage changes or mitigations (setting handoff-grace)")
		}
		_, err := r.try(cy, action, done.Add(time.Hour))
		wantErr(t, err, warroom.EForbidden, "", "")
		// Notes, decisions and answers stay allowed.
		r.do(ada, warroom.AddEntry{Type: warroom.EntryNote, Text: "answering eve: the pool size is in values.yaml"}, done.Add(time.Hour))
		r.do(bob, warroom.AddEntry{Type: warroom.EntryDecision, Text: "handed over", Reason: "end of shift"}, done.Add(time.Hour))
		// The incoming shift is not affected; the Incident Owner is not
		// outgoing by being owner, and someone brought back works again.
		r.do(eve, action, done.Add(time.Hour))
		r.do(dan, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: cy.UserID}, done.Add(time.Hour))
		r.do(cy, action, done.Add(time.Hour))
	})
	t.Run("warn", func(t *testing.T) {
		p := warroom.DefaultPolicy()
		p.HandoffGraceMode = warroom.HandoffGraceWarn
		r := complete(t, p)
		evs := r.do(ada, warroom.ChangeStage{Stage: warroom.StageMitigated}, done.Add(45*time.Minute))
		if got := types(evs); !slices.Equal(got, []warroom.EventType{warroom.EventStageChanged, warroom.EventHandoffGraceWarning}) {
			t.Fatalf("events = %v", got)
		}
		if w := evs[1]; !strings.HasPrefix(w.Text, "handoff+30: you left INC-7") || !strings.Contains(w.Text, "change_stage was done anyway (warn mode)") || w.ActorID != ada.UserID {
			t.Errorf("warning = %+v", w)
		}
		evs = r.do(eve, action, done.Add(45*time.Minute))
		if len(evs) != 1 {
			t.Errorf("incoming TL got a warning: %v", types(evs))
		}
	})
	t.Run("zero grace", func(t *testing.T) {
		p := warroom.DefaultPolicy()
		p.HandoffGrace = 0
		r := complete(t, p)
		_, err := r.try(ada, action, done)
		wantErr(t, err, warroom.EForbidden, "", "")
	})
}

func TestPolicyHandoffGraceMode(t *testing.T) {
	p := warroom.DefaultPolicy()
	p.HandoffGraceMode = "shout"
	wantErr(t, p.Validate(), warroom.EInvalid, "handoff_grace_mode", "handoff grace mode must be refuse or warn")
	p.HandoffGraceMode = warroom.HandoffGraceWarn
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestHandoffFoldDoesNotAlias: deciding against a state never changes it,
// and folding the stored events gives the same state.
func TestHandoffFoldDoesNotAlias(t *testing.T) {
	r := shiftRun(t, warroom.DefaultPolicy())
	before := snapshot(t, r.inc)
	if _, err := warroom.Decide(r.inc, dan, warroom.CompleteHandoff{Brief: fullBrief(), LastUpdate: lastUpdate()}, at(2*time.Hour), r.p); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, r.inc); after != before {
		t.Fatalf("Decide changed the state:\n%s\n%s", before, after)
	}
	r.do(dan, warroom.CompleteHandoff{Brief: fullBrief(), LastUpdate: lastUpdate()}, at(2*time.Hour))
	kept := snapshot(t, r.inc)
	r.do(eve, warroom.AcknowledgeHandoff{}, at(2*time.Hour))
	folded, err := warroom.Fold(r.events)
	if err != nil {
		t.Fatal(err)
	}
	if snapshot(t, folded) != snapshot(t, r.inc) || kept == snapshot(t, r.inc) {
		t.Fatal("fold differs from the state built event by event")
	}
}

func TestBriefTextIsCutForChat(t *testing.T) {
	long := strings.Repeat("ü", 20000)
	h := &warroom.Handoff{OutgoingCommander: "u-bob", IncomingCommander: "u-dan", IncomingTechLead: "u-eve",
		Brief: &warroom.HandoffBrief{TechnicalStatus: long, ExternalPeople: long}}
	got := warroom.BriefText(h, handle)
	if len(got) > 30100 || !strings.HasSuffix(got, "(cut: the whole brief is on the incident's handoff page)") || !utf8.ValidString(got) {
		t.Errorf("brief text of %d bytes ends %q", len(got), got[len(got)-80:])
	}
}
