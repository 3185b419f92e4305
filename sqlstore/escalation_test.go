package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

func TestEscalationStore(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"Policies", testPolicies},
		{"ContactMethodsAndRules", testContactMethodsAndRules},
	})
}

func testPolicies(t *testing.T, p *pagingFixture) {
	sch := &oncall.Schedule{Name: "primary", TimeZone: "Europe/Berlin", Layers: []oncall.Layer{{
		Name: "weekly", Start: oncall.LocalTime{Year: 2026, Month: 3, Day: 2, Hour: 9}, Shift: oncall.Weeks(1),
		Participants: []string{p.ada.ID, p.bob.ID}}}}
	if err := p.s.CreateSchedule(p.ctx, sch); err != nil {
		t.Fatal(err)
	}
	step := func(delay time.Duration, targets ...warroom.Target) warroom.EscalationStep {
		return warroom.EscalationStep{Targets: targets, Delay: warroom.Duration(delay)}
	}
	pol := &warroom.EscalationPolicy{Name: "checkout", Repeat: 2, Steps: []warroom.EscalationStep{
		step(5*time.Minute, warroom.Target{Type: warroom.TargetSchedule, ID: sch.ID}),
		step(10*time.Minute, warroom.Target{Type: warroom.TargetUser, ID: p.admin.ID}, warroom.Target{Type: warroom.TargetUser, ID: p.bob.ID}),
	}}
	if err := p.s.CreateEscalationPolicy(p.ctx, pol); err != nil {
		t.Fatal(err)
	}
	if pol.ID == "" {
		t.Fatal("no ID given")
	}
	for _, key := range []string{pol.ID, "checkout"} {
		got, err := p.s.FindEscalationPolicy(p.ctx, key)
		if err != nil || !reflect.DeepEqual(got, pol) {
			t.Fatalf("FindEscalationPolicy(%q) = %+v, %v; want %+v", key, got, err, pol)
		}
	}
	_, err := p.s.FindEscalationPolicy(p.ctx, "nope")
	wantError(t, err, warroom.ENotFound, `no escalation policy "nope"`)

	wantCode(t, p.s.CreateEscalationPolicy(p.ctx, &warroom.EscalationPolicy{Name: "empty"}), warroom.EInvalid)
	wantError(t, p.s.CreateEscalationPolicy(p.ctx, &warroom.EscalationPolicy{Name: "checkout", Steps: pol.Steps}),
		warroom.EConflict, `an escalation policy named "checkout" exists`)
	ghost := &warroom.EscalationPolicy{Name: "ghost", Steps: []warroom.EscalationStep{
		step(time.Minute, warroom.Target{Type: warroom.TargetUser, ID: p.ada.ID}, warroom.Target{Type: warroom.TargetSchedule, ID: "nope"})}}
	err = p.s.CreateEscalationPolicy(p.ctx, ghost)
	wantError(t, err, warroom.EInvalid, `no schedule "nope"`)
	if f := warroom.ErrorField(err); f != "steps[0].targets[1].id" {
		t.Fatalf("field %q", f)
	}

	other := &warroom.EscalationPolicy{Name: "another", Steps: pol.Steps[:1]}
	if err := p.s.CreateEscalationPolicy(p.ctx, other); err != nil {
		t.Fatal(err)
	}
	pol.Name, pol.Repeat, pol.Steps = "checkout-v2", 0, pol.Steps[1:]
	if err := p.s.UpdateEscalationPolicy(p.ctx, pol); err != nil {
		t.Fatal(err)
	}
	list, err := p.s.ListEscalationPolicies(p.ctx)
	if err != nil || !reflect.DeepEqual(list, []*warroom.EscalationPolicy{other, pol}) {
		t.Fatalf("ListEscalationPolicies = %+v, %v", list, err)
	}
	wantCode(t, p.s.UpdateEscalationPolicy(p.ctx, &warroom.EscalationPolicy{ID: "nope", Name: "x", Steps: pol.Steps}), warroom.ENotFound)
	other.Name = "checkout-v2"
	wantCode(t, p.s.UpdateEscalationPolicy(p.ctx, other), warroom.EConflict)
}

func testContactMethodsAndRules(t *testing.T, p *pagingFixture) {
	slack := &warroom.ContactMethod{UserID: p.ada.ID, Channel: warroom.ContactSlack, Address: "U024BE7LH"}
	email := &warroom.ContactMethod{UserID: p.ada.ID, Channel: warroom.ContactEmail, Address: "ada@example.com"}
	bobs := &warroom.ContactMethod{UserID: p.bob.ID, Channel: warroom.ContactWebhook, Address: "https://hooks.example.com/bob"}
	for _, m := range []*warroom.ContactMethod{slack, email, bobs} {
		if err := p.s.CreateContactMethod(p.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, p.s.CreateContactMethod(p.ctx, &warroom.ContactMethod{UserID: p.ada.ID, Channel: "pigeon", Address: "x"}), warroom.EInvalid)
	wantCode(t, p.s.CreateContactMethod(p.ctx, &warroom.ContactMethod{UserID: p.ada.ID, Channel: warroom.ContactEmail}), warroom.EInvalid)
	wantError(t, p.s.CreateContactMethod(p.ctx, &warroom.ContactMethod{UserID: "nope", Channel: warroom.ContactEmail, Address: "x@y"}),
		warroom.EInvalid, `no user "nope"`)
	list, err := p.s.ListContactMethods(p.ctx, p.ada.ID)
	if err != nil || !reflect.DeepEqual(list, []*warroom.ContactMethod{slack, email}) {
		t.Fatalf("ListContactMethods = %+v, %v", list, err)
	}

	rules, err := p.s.ListNotificationRules(p.ctx, p.ada.ID)
	if err != nil || rules == nil || len(rules) != 0 {
		t.Fatalf("rules before any set: %#v, %v", rules, err)
	}
	want := []warroom.NotificationRule{
		{ContactMethodID: slack.ID},
		{ContactMethodID: email.ID, Delay: warroom.Duration(2 * time.Minute)},
		{ContactMethodID: slack.ID, Delay: warroom.Duration(10 * time.Minute)},
	}
	if err := p.s.SetNotificationRules(p.ctx, p.ada.ID, want); err != nil {
		t.Fatal(err)
	}
	if got, err := p.s.ListNotificationRules(p.ctx, p.ada.ID); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ListNotificationRules = %+v, %v; want %+v", got, err, want)
	}
	err = p.s.SetNotificationRules(p.ctx, p.ada.ID, []warroom.NotificationRule{{ContactMethodID: bobs.ID}})
	wantCode(t, err, warroom.EInvalid)
	if f := warroom.ErrorField(err); f != "rules[0].contact_method_id" {
		t.Fatalf("field %q", f)
	}
	wantCode(t, p.s.SetNotificationRules(p.ctx, p.ada.ID, []warroom.NotificationRule{{ContactMethodID: slack.ID, Delay: -1}}), warroom.EInvalid)
	wantCode(t, p.s.SetNotificationRules(p.ctx, "nope", nil), warroom.ENotFound)
	if got, _ := p.s.ListNotificationRules(p.ctx, p.ada.ID); len(got) != 3 {
		t.Fatalf("a failed set changed the rules: %+v", got)
	}

	// Deleting a contact method drops the rules that use it.
	if err := p.s.DeleteContactMethod(p.ctx, slack.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, p.s.DeleteContactMethod(p.ctx, slack.ID), warroom.ENotFound)
	if got, _ := p.s.ListNotificationRules(p.ctx, p.ada.ID); !reflect.DeepEqual(got, want[1:2]) {
		t.Fatalf("rules after deleting a method: %+v, want %+v", got, want[1:2])
	}
	if err := p.s.SetNotificationRules(p.ctx, p.ada.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.s.ListNotificationRules(p.ctx, p.ada.ID); len(got) != 0 {
		t.Fatalf("rules after clearing: %+v", got)
	}
}
