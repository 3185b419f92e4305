package warroom_test

import (
	"context"
	"testing"

	"github.com/warroom/warroom"
)

func TestDeclareSeverity(t *testing.T) {
	rules := []warroom.AlertRule{
		{MinSeverity: "critical", Action: warroom.AlertDeclare, IncidentSeverity: warroom.SEV1},
		{MinSeverity: "error", Action: warroom.AlertAttach},
		{MinSeverity: "warning", Action: warroom.AlertDeclare, IncidentSeverity: warroom.SEV4},
	}
	for _, c := range []struct {
		severity string
		want     warroom.Severity
	}{
		{"critical", warroom.SEV1}, // the first declare rule it reaches
		{"error", warroom.SEV4},    // attach rules do not declare; the next declare rule does
		{"warning", warroom.SEV4},
		{"info", warroom.SEV3}, // no rule would declare it
	} {
		if got := warroom.DeclareSeverity(rules, &warroom.Alert{Severity: c.severity}); got != c.want {
			t.Errorf("%s: %s, want %s", c.severity, got, c.want)
		}
	}
}

// queryDir is a directory of one service and one private incident.
type queryDir struct{ inc *warroom.Incident }

func (queryDir) FindService(_ context.Context, ref string) (*warroom.Service, error) {
	if ref == "checkout" {
		return &warroom.Service{ID: "svc-1", Slug: "checkout"}, nil
	}
	return nil, warroom.Errorf(warroom.ENotFound, "no service")
}

func (f queryDir) FindIncident(_ context.Context, ref string) (*warroom.Incident, error) {
	if ref == f.inc.Ref {
		return f.inc, nil
	}
	return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", ref)
}

func TestAlertQueryFilter(t *testing.T) {
	secret := &warroom.Incident{ID: "inc-1", Ref: "INC-1", Private: true,
		Participants: []string{"ada"}}
	ada, bob := warroom.Actor{UserID: "ada", Role: warroom.AccountResponder}, warroom.Actor{UserID: "bob", Role: warroom.AccountResponder}
	dir := queryDir{inc: secret}
	f, err := warroom.AlertQuery{Service: " checkout ", Incident: "INC-1", Severity: "Critical", Text: " disk ", Offset: 50}.
		Filter(context.Background(), dir, dir, ada)
	if err != nil || f.ServiceID != "svc-1" || f.IncidentID != "inc-1" || f.Severity != "critical" || f.Query != "disk" ||
		f.Limit != warroom.DefaultAlertListLimit || f.Offset != 50 || f.Viewer == nil || f.Viewer.UserID != "ada" {
		t.Fatalf("%+v, %v", f, err)
	}
	for _, c := range []struct {
		q     warroom.AlertQuery
		who   warroom.Actor
		field string
	}{
		{warroom.AlertQuery{Status: "open"}, ada, "status"},
		{warroom.AlertQuery{Severity: "loud"}, ada, "severity"},
		{warroom.AlertQuery{Limit: warroom.MaxAlertListLimit + 1}, ada, "limit"},
		{warroom.AlertQuery{Offset: -1}, ada, "offset"},
		{warroom.AlertQuery{Service: "nope"}, ada, "service"},
		{warroom.AlertQuery{Incident: "INC-9"}, ada, "incident"},
		{warroom.AlertQuery{Incident: "INC-1"}, bob, "incident"}, // private: as if it did not exist
	} {
		_, err := c.q.Filter(context.Background(), dir, dir, c.who)
		if warroom.ErrorField(err) != c.field || warroom.ErrorCode(err) != warroom.EInvalid {
			t.Errorf("%+v as %s: %v, want invalid %s", c.q, c.who.UserID, err, c.field)
		}
	}
}
