package warroom_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// base is the injected clock's origin: every test time is base plus a
// duration, so no test reads the wall clock.
var base = time.Date(2025, time.March, 10, 9, 0, 0, 0, time.UTC)

// at returns base+d.
func at(d time.Duration) time.Time { return base.Add(d) }

// tp returns a pointer to base+d.
func tp(d time.Duration) *time.Time { t := at(d); return &t }

// The cast. ada, bob and cy are responders of the SRE team; dan is a
// responder of the database team; vic a viewer; root an admin without a
// team (so that admin actions never change the team count).
var (
	ada  = warroom.Actor{UserID: "u-ada", Handle: "ada", TeamID: "t-sre", Role: warroom.AccountResponder}
	bob  = warroom.Actor{UserID: "u-bob", Handle: "bob", TeamID: "t-sre", Role: warroom.AccountResponder}
	cy   = warroom.Actor{UserID: "u-cy", Handle: "cy", TeamID: "t-sre", Role: warroom.AccountResponder}
	dan  = warroom.Actor{UserID: "u-dan", Handle: "dan", TeamID: "t-db", Role: warroom.AccountResponder}
	vic  = warroom.Actor{UserID: "u-vic", Handle: "vic", TeamID: "t-sre", Role: warroom.AccountViewer}
	root = warroom.Actor{UserID: "u-root", Handle: "root", Role: warroom.AccountAdmin}
)

// handle shows a user ID as "@handle", as the service does.
func handle(id string) string { return "@" + strings.TrimPrefix(id, "u-") }

// decl is a minor (SEV3) declaration, numbered 7.
func decl() warroom.Declaration {
	return warroom.Declaration{
		Number:    7,
		Title:     "Checkout API returns 500s",
		Severity:  warroom.SEV3,
		Detection: warroom.DetectedByMonitoring,
	}
}

// run is an incident under test: its state and every event so far, kept
// the way the store keeps them (apply each decided event to the state).
type run struct {
	t      *testing.T
	p      warroom.Policy
	inc    *warroom.Incident
	events []warroom.Event
}

// declareRun declares d as a at now under p and folds the events.
func declareRun(t *testing.T, d warroom.Declaration, a warroom.Actor, now time.Time, p warroom.Policy) *run {
	t.Helper()
	evs, err := warroom.Declare("inc-1", d, a, now, p)
	if err != nil {
		t.Fatalf("Declare: %v", err)
	}
	r := &run{t: t, p: p, inc: &warroom.Incident{}}
	r.apply(evs)
	return r
}

// newRun declares the default minor incident as ada at base.
func newRun(t *testing.T) *run {
	t.Helper()
	return declareRun(t, decl(), ada, at(0), warroom.DefaultPolicy())
}

func (r *run) apply(evs []warroom.Event) {
	r.t.Helper()
	for i := range evs {
		if err := r.inc.Apply(&evs[i]); err != nil {
			r.t.Fatalf("Apply(%s #%d): %v", evs[i].Type, evs[i].Seq, err)
		}
		r.events = append(r.events, evs[i])
	}
}

// try decides cmd and applies the events if it was accepted.
func (r *run) try(a warroom.Actor, cmd warroom.Command, now time.Time) ([]warroom.Event, error) {
	r.t.Helper()
	evs, err := warroom.Decide(r.inc, a, cmd, now, r.p)
	if err == nil {
		r.apply(evs)
	}
	return evs, err
}

// do decides cmd, which must be accepted, and applies its events.
func (r *run) do(a warroom.Actor, cmd warroom.Command, now time.Time) []warroom.Event {
	r.t.Helper()
	evs, err := r.try(a, cmd, now)
	if err != nil {
		r.t.Fatalf("%s by %s: %v", cmd.Name(), a.UserID, err)
	}
	return evs
}

// pathTo lists the stage changes that bring a declared incident to s.
var pathTo = map[warroom.Stage][]warroom.Stage{
	warroom.StageDeclared:      nil,
	warroom.StageInvestigating: {warroom.StageInvestigating},
	warroom.StageIdentified:    {warroom.StageIdentified},
	warroom.StageMitigated:     {warroom.StageMitigated},
	warroom.StageRecovered:     {warroom.StageRecovered},
	warroom.StageBaseline:      {warroom.StageRecovered, warroom.StageBaseline},
	warroom.StageResolved:      {warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved},
	warroom.StageClosed:        {warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved, warroom.StageClosed},
}

// stageTo moves a freshly declared incident to s, one minute per step
// after now.
func (r *run) stageTo(s warroom.Stage, a warroom.Actor, now time.Time) {
	r.t.Helper()
	for i, next := range pathTo[s] {
		r.do(a, warroom.ChangeStage{Stage: next}, now.Add(time.Duration(i)*time.Minute))
	}
	if r.inc.Stage != s {
		r.t.Fatalf("stage = %s, want %s", r.inc.Stage, s)
	}
}

// wantErr checks that err is a domain error with the given code, field
// and (unless msg is empty) message.
func wantErr(t *testing.T, err error, code, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want %s", code)
	}
	var e *warroom.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *warroom.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code = %q, want %q (%v)", e.Code, code, err)
	}
	if e.Field != field {
		t.Errorf("field = %q, want %q (%v)", e.Field, field, err)
	}
	if msg != "" && e.Message != msg {
		t.Errorf("message = %q, want %q", e.Message, msg)
	}
}

// snapshot serialises an incident so that any change to it, through
// aliasing included, shows as a difference.
func snapshot(t *testing.T, inc *warroom.Incident) string {
	t.Helper()
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// types lists the types of events.
func types(evs []warroom.Event) []warroom.EventType {
	out := make([]warroom.EventType, len(evs))
	for i := range evs {
		out[i] = evs[i].Type
	}
	return out
}
