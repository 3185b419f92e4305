package warroom_test

import (
	"context"
	"errors"
	"testing"

	"github.com/warroom/warroom"
)

// finders is an in-memory AlertFinder and IncidentFinder.
type finders struct {
	alerts    map[string]*warroom.Alert
	incidents map[string]*warroom.Incident
	err       error // returned by FindIncident when set
}

func (f finders) FindAlert(_ context.Context, id string) (*warroom.Alert, error) {
	if a, ok := f.alerts[id]; ok {
		return a, nil
	}
	return nil, warroom.Errorf(warroom.ENotFound, "no alert %q", id)
}

func (f finders) FindIncident(_ context.Context, id string) (*warroom.Incident, error) {
	if f.err != nil {
		return nil, f.err
	}
	if inc, ok := f.incidents[id]; ok {
		return inc, nil
	}
	return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", id)
}

// TestFindVisibleAlert: an alert of a private incident is seen only by
// those who see the incident, and to anyone else answers word for word
// as an alert that does not exist.
func TestFindVisibleAlert(t *testing.T) {
	f := finders{
		alerts: map[string]*warroom.Alert{
			"free":    {ID: "free"},
			"public":  {ID: "public", IncidentID: "inc-pub"},
			"private": {ID: "private", IncidentID: "inc-priv"},
			"pending": {ID: "pending", IncidentID: "inc-not-yet"},
		},
		incidents: map[string]*warroom.Incident{
			"inc-pub":  {ID: "inc-pub", Number: 1},
			"inc-priv": {ID: "inc-priv", Number: 2, Private: true, Participants: []string{ada.UserID}},
		},
	}
	absent := warroom.ErrorMessage(warroom.AlertNotFound("private"))
	for _, c := range []struct {
		actor    warroom.Actor
		id       string
		visible  bool
		incident string
	}{
		{bob, "free", true, ""},
		{vic, "free", true, ""},
		{bob, "public", true, "inc-pub"},
		{vic, "public", true, "inc-pub"},
		{ada, "private", true, "inc-priv"},
		{root, "private", true, "inc-priv"},
		{bob, "private", false, ""},
		{vic, "private", false, ""},
		{bob, "pending", true, ""},
		{bob, "nope", false, ""},
	} {
		a, inc, err := warroom.FindVisibleAlert(context.Background(), f, f, c.actor, c.id)
		if !c.visible {
			if warroom.ErrorCode(err) != warroom.ENotFound || a != nil || inc != nil {
				t.Errorf("%s sees %s: %v %v %v", c.actor.Handle, c.id, a, inc, err)
			}
			if c.id == "private" && warroom.ErrorMessage(err) != absent {
				t.Errorf("hidden alert answers %q, a missing one %q", warroom.ErrorMessage(err), absent)
			}
			continue
		}
		if err != nil || a.ID != c.id {
			t.Errorf("%s cannot see %s: %v", c.actor.Handle, c.id, err)
			continue
		}
		got := ""
		if inc != nil {
			got = inc.ID
		}
		if got != c.incident {
			t.Errorf("%s %s: incident %q, want %q", c.actor.Handle, c.id, got, c.incident)
		}
		if !warroom.AlertVisibleTo(inc, c.actor) {
			t.Errorf("AlertVisibleTo disagrees for %s %s", c.actor.Handle, c.id)
		}
	}
	if warroom.ErrorMessage(warroom.AlertNotFound("x")) != "alert x not found" {
		t.Fatal(warroom.AlertNotFound("x"))
	}

	// A failing store is an error, never "visible".
	broken := f
	broken.err = errors.New("database down")
	if a, _, err := warroom.FindVisibleAlert(context.Background(), broken, broken, bob, "private"); err == nil || a != nil {
		t.Fatalf("store error: %v %v", a, err)
	}
}
