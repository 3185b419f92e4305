package warroom_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestDecideUpdate: an update records the state it was sent in and one
// update.sent event; bad input is refused.
func TestDecideUpdate(t *testing.T) {
	r := newRun(t)
	u, evs, err := warroom.DecideUpdate(r.inc, bob, warroom.SendUpdate{ID: "up-1", Audience: warroom.AudienceCustomers, Body: "we are on it"}, at(time.Minute), r.p)
	if err != nil {
		t.Fatal(err)
	}
	r.apply(evs)
	if len(evs) != 1 || evs[0].Type != warroom.EventUpdateSent || evs[0].UpdateID != "up-1" || evs[0].Audience != warroom.AudienceCustomers {
		t.Fatalf("events %+v", evs)
	}
	if u.Seq != evs[0].Seq || u.AuthorID != bob.UserID || u.Snapshot.Stage != warroom.StageDeclared || u.Snapshot.Severity != warroom.SEV3 ||
		u.Subject != "[SEV3] INC-7: Checkout API returns 500s (declared)" {
		t.Errorf("update %+v", u)
	}
	for _, c := range []struct {
		cmd   warroom.SendUpdate
		a     warroom.Actor
		code  string
		field string
	}{
		{warroom.SendUpdate{ID: "x", Audience: "press", Body: "b"}, ada, warroom.EInvalid, "audience"},
		{warroom.SendUpdate{ID: "x", Audience: warroom.AudienceInternal, Body: " "}, ada, warroom.EInvalid, "body"},
		{warroom.SendUpdate{ID: "x", Audience: warroom.AudienceInternal, Body: "b", Subject: "two\nlines"}, ada, warroom.EInvalid, "subject"},
		{warroom.SendUpdate{ID: "x", Audience: warroom.AudienceInternal, Body: "b"}, vic, warroom.EForbidden, ""},
	} {
		_, _, err := warroom.DecideUpdate(r.inc, c.a, c.cmd, at(2*time.Minute), r.p)
		if warroom.ErrorCode(err) != c.code || warroom.ErrorField(err) != c.field {
			t.Errorf("%+v by %s: %v", c.cmd, c.a.Handle, err)
		}
	}
}

// TestCheckTemplate: templates are refused with the template's error if
// they do not parse or render against the sample incident.
func TestCheckTemplate(t *testing.T) {
	for _, c := range []struct {
		text, wantErr string
	}{
		{"Impact: {{.Impact}}, next {{.NextUpdate}}", ""},
		{"{{if .Major}}major{{end}} {{range .Customers}}{{.}} {{end}}", ""},
		{"{{.Impcat}}", "Impcat"},
		{"{{if .Major}", "bad character"},
		{"{{.Title.Nope}}", "Nope"},
	} {
		err := warroom.CheckTemplate("body", c.text)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%q refused: %v", c.text, err)
		case c.wantErr != "" && (warroom.ErrorCode(err) != warroom.EInvalid || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%q: %v, want an error naming %q", c.text, err, c.wantErr)
		}
	}
	for a, tmpl := range warroom.DefaultUpdateTemplates() {
		if err := warroom.CheckTemplate("subject", tmpl.Subject); err != nil {
			t.Errorf("default %s subject: %v", a, err)
		}
		if err := warroom.CheckTemplate("body", tmpl.Body); err != nil {
			t.Errorf("default %s body: %v", a, err)
		}
	}
}

// TestDefaultTemplatesSayWhatSeedsAsk: every default body says the
// impact, what we know, what we are doing and when the next update comes.
func TestDefaultTemplatesSayWhatSeedsAsk(t *testing.T) {
	r := newRun(t)
	r.do(ada, warroom.ChangeImpact{Impact: warroom.Impact{Description: "20% of checkouts fail", CustomerImpact: true}}, at(time.Minute))
	data := warroom.TemplateDataOf(r.inc, handle, at(time.Hour), at(10*time.Minute))
	for a, tmpl := range warroom.DefaultUpdateTemplates() {
		body, err := warroom.RenderTemplate(tmpl.Body, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Impact: 20% of checkouts fail", "What we know:", "What we are doing: Investigating the cause.", "Next update: by 10:00 UTC"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s template lacks %q:\n%s", a, want, body)
			}
		}
	}
}

// TestExecutiveSummary: severity, impact, stage, roles, duration and the
// last update.
func TestExecutiveSummary(t *testing.T) {
	r := newRun(t)
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	r.do(bob, warroom.ChangeStage{Stage: warroom.StageMitigated}, at(20*time.Minute))
	last := &warroom.Update{Audience: warroom.AudienceCustomers, Subject: "Checkout degraded", At: at(30 * time.Minute)}
	s := warroom.ExecutiveSummary(r.inc, handle, last, at(85*time.Minute))
	for _, want := range []string{"INC-7 [SEV3] Checkout API returns 500s", "Impact: being assessed", "Stage: mitigated (since 09:20 UTC)",
		"Duration: 1h25m since impact started", "Incident Commander @bob;", "Communications Lead @bob (as IC);", "Technical Lead @ada;",
		"Last update: customers, 55m ago (09:30 UTC): Checkout degraded"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if s := warroom.ExecutiveSummary(r.inc, handle, nil, at(time.Hour)); !strings.Contains(s, "Last update: none sent yet") {
		t.Errorf("without updates:\n%s", s)
	}
}
