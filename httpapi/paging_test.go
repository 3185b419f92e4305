package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// TestIntegrations: an admin creates an integration and sees its key
// once; the key then authenticates alerts; after deletion it does not.
func TestIntegrations(t *testing.T) {
	p := newPagingEnv(t)
	base := "/api/v1/services/checkout/integrations"
	wantErr(t, p.do("ada", "POST", base, map[string]string{"kind": "webhook"}), 403, warroom.EForbidden, "")
	wantErr(t, p.do("root", "POST", base, map[string]string{"kind": "nagios"}), 400, warroom.EInvalid, "kind")
	wantErr(t, p.do("root", "POST", base, map[string]string{"kind": "webhook", "secret": "x"}), 400, warroom.EInvalid, "secret")
	wantErr(t, p.do("root", "POST", "/api/v1/services/nope/integrations", map[string]string{"kind": "webhook"}), 404, warroom.ENotFound, "")

	created := ok[newIntegration](t, p.do("root", "POST", base, map[string]string{"kind": "pagerduty", "name": "grafana"}), 201)
	if len(created.Key) != 32 || created.URL != p.srv.URL+"/v2/enqueue" || created.Integration.Name != "grafana" {
		t.Fatalf("created %+v", created)
	}
	wh := ok[newIntegration](t, p.do("root", "POST", base, map[string]string{"kind": "alertmanager"}), 201)
	if wh.URL != p.srv.URL+"/webhook/"+wh.Key || wh.Integration.Name != "alertmanager" {
		t.Fatalf("created %+v", wh)
	}
	list := ok[integrationList](t, p.do("vic", "GET", base, nil), 200)
	if len(list.Integrations) != 5 || strings.Contains(mustJSON(t, list), created.Key) {
		t.Fatalf("list (a key must never be listed): %+v", list)
	}
	ev := `{"routing_key":"` + created.Key + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`
	if r := p.post("/v2/enqueue", ev); r.Status != 202 {
		t.Fatalf("the new key: %s", r)
	}

	wantErr(t, p.do("ada", "DELETE", base+"/"+created.Integration.ID, nil), 403, warroom.EForbidden, "")
	deleted := ok[warroom.Integration](t, p.do("root", "DELETE", base+"/"+created.Integration.ID, nil), 200)
	if deleted.ID != created.Integration.ID {
		t.Fatalf("deleted %+v", deleted)
	}
	wantErr(t, p.do("root", "DELETE", base+"/"+created.Integration.ID, nil), 404, warroom.ENotFound, "")
	if r := p.post("/v2/enqueue", ev); r.Status != 400 || !strings.Contains(string(r.Body), "Invalid routing key") {
		t.Fatalf("a deleted key: %s", r)
	}
	if n := len(p.alerts("")); n != 1 {
		t.Fatalf("%d alerts: a deleted integration's alerts stay", n)
	}
}

// TestServicePagingAndPolicies covers escalation policies and a service's
// paging configuration, with their validation.
func TestServicePagingAndPolicies(t *testing.T) {
	p := newPagingEnv(t)
	ok[scheduleJSON](t, p.do("root", "POST", "/api/v1/schedules", weeklySchedule("primary", "ada", "bob")), 201)
	policy := map[string]any{"name": "checkout-oncall", "repeat": 2, "steps": []map[string]any{
		{"targets": []map[string]string{{"type": "schedule", "id": "primary"}}, "delay": "10m"},
		{"targets": []map[string]string{{"type": "user", "id": "@carol"}, {"type": "user", "id": "root"}}, "delay": 300},
	}}
	wantErr(t, p.do("ada", "POST", "/api/v1/escalation-policies", policy), 403, warroom.EForbidden, "")
	for _, c := range []struct {
		change func(map[string]any)
		field  string
	}{
		{func(m map[string]any) { m["name"] = "" }, "name"},
		{func(m map[string]any) { m["steps"] = []any{} }, "steps"},
		{func(m map[string]any) { m["repeat"] = 21 }, "repeat"},
		{func(m map[string]any) {
			m["steps"] = []map[string]any{{"targets": []map[string]string{{"type": "user", "id": "ada"}}, "delay": "30s"}}
		}, "steps.delay"},
		{func(m map[string]any) {
			m["steps"] = []map[string]any{{"targets": []map[string]string{{"type": "team", "id": "sre"}}, "delay": "5m"}}
		}, "steps.targets"},
		{func(m map[string]any) {
			m["steps"] = []map[string]any{{"targets": []map[string]string{{"type": "user", "id": "nobody"}}, "delay": "5m"}}
		}, "steps.targets"},
		{func(m map[string]any) {
			m["steps"] = []map[string]any{{"targets": []map[string]string{{"type": "schedule", "id": "nope"}}, "delay": "5m"}}
		}, "steps.targets"},
	} {
		bad := map[string]any{}
		for k, v := range policy {
			bad[k] = v
		}
		c.change(bad)
		wantErr(t, p.do("root", "POST", "/api/v1/escalation-policies", bad), 400, warroom.EInvalid, c.field)
	}
	pol := ok[warroom.EscalationPolicy](t, p.do("root", "POST", "/api/v1/escalation-policies", policy), 201)
	sched := ok[scheduleJSON](t, p.do("ada", "GET", "/api/v1/schedules/primary", nil), 200)
	wantSteps := []warroom.EscalationStep{
		{Targets: []warroom.Target{{Type: warroom.TargetSchedule, ID: sched.ID}}, Delay: warroom.Duration(10 * time.Minute)},
		{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: p.users["carol"].ID}, {Type: warroom.TargetUser, ID: p.users["root"].ID}},
			Delay: warroom.Duration(5 * time.Minute)},
	}
	if pol.ID == "" || pol.Repeat != 2 || !reflect.DeepEqual(pol.Steps, wantSteps) {
		t.Fatalf("policy %+v", pol)
	}
	got := ok[warroom.EscalationPolicy](t, p.do("vic", "GET", "/api/v1/escalation-policies/checkout-oncall", nil), 200)
	if !reflect.DeepEqual(got, pol) {
		t.Fatalf("got %+v, want %+v", got, pol)
	}
	policy["repeat"] = 0
	upd := ok[warroom.EscalationPolicy](t, p.do("root", "PUT", "/api/v1/escalation-policies/"+pol.ID, policy), 200)
	if upd.ID != pol.ID || upd.Repeat != 0 {
		t.Fatalf("updated %+v", upd)
	}
	if l := ok[policyList](t, p.do("vic", "GET", "/api/v1/escalation-policies", nil), 200); len(l.Policies) != 1 {
		t.Fatalf("list %+v", l)
	}
	wantErr(t, p.do("ada", "GET", "/api/v1/escalation-policies/nope", nil), 404, warroom.ENotFound, "")

	// Service paging: defaults until set.
	path := "/api/v1/services/checkout/paging"
	sp := ok[warroom.ServicePaging](t, p.do("vic", "GET", path, nil), 200)
	if sp.EscalationPolicyID != "" || !reflect.DeepEqual(sp.AlertRules, warroom.DefaultAlertRules()) {
		t.Fatalf("default paging %+v", sp)
	}
	rules := []map[string]string{{"min_severity": "critical", "action": "declare", "incident_severity": "sev1"}, {"min_severity": "warning", "action": "wait"}}
	wantErr(t, p.do("ada", "PUT", path, map[string]any{"escalation_policy": "checkout-oncall"}), 403, warroom.EForbidden, "")
	wantErr(t, p.do("root", "PUT", path, map[string]any{"escalation_policy": "nope"}), 400, warroom.EInvalid, "escalation_policy")
	wantErr(t, p.do("root", "PUT", path, map[string]any{"alert_rules": []map[string]string{{"min_severity": "fatal", "action": "wait"}}}),
		400, warroom.EInvalid, "alert_rules.min_severity")
	wantErr(t, p.do("root", "PUT", path, map[string]any{"alert_rules": []map[string]string{{"min_severity": "critical", "action": "declare"}}}),
		400, warroom.EInvalid, "alert_rules.incident_severity")
	wantErr(t, p.do("root", "PUT", path, map[string]any{"alert_rules": []map[string]string{{"min_severity": "info", "action": "panic"}}}),
		400, warroom.EInvalid, "alert_rules.action")
	set := ok[warroom.ServicePaging](t, p.do("root", "PUT", path, map[string]any{"escalation_policy": "checkout-oncall", "alert_rules": rules}), 200)
	want := warroom.ServicePaging{ServiceID: p.service.ID, EscalationPolicyID: pol.ID, AlertRules: []warroom.AlertRule{
		{MinSeverity: "critical", Action: warroom.AlertDeclare, IncidentSeverity: warroom.SEV1}, {MinSeverity: "warning", Action: warroom.AlertWait}}}
	if !reflect.DeepEqual(set, want) {
		t.Fatalf("set %+v, want %+v", set, want)
	}
	if got := ok[warroom.ServicePaging](t, p.do("ada", "GET", path, nil), 200); !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v", got)
	}
	// No rules given: the defaults; an empty list: none.
	none := ok[warroom.ServicePaging](t, p.do("root", "PUT", path, map[string]any{"alert_rules": []any{}}), 200)
	if none.EscalationPolicyID != "" || len(none.AlertRules) != 0 {
		t.Fatalf("cleared %+v", none)
	}
	def := ok[warroom.ServicePaging](t, p.do("root", "PUT", path, map[string]any{"escalation_policy": pol.ID}), 200)
	if !reflect.DeepEqual(def.AlertRules, warroom.DefaultAlertRules()) {
		t.Fatalf("defaults %+v", def)
	}
}

// TestContactMethodsAndRules: people manage their own, admins anyone's.
func TestContactMethodsAndRules(t *testing.T) {
	p := newPagingEnv(t)
	base := "/api/v1/users/ada/contact-methods"
	for _, c := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"channel": "sms", "address": "+4912345"}, "channel"},
		{map[string]string{"channel": "email", "address": "Ada <ada@example.com>"}, "address"},
		{map[string]string{"channel": "slack", "address": "#ops"}, "address"},
		{map[string]string{"channel": "webhook", "address": "ftp://example.com"}, "address"},
	} {
		wantErr(t, p.do("ada", "POST", base, c.body), 400, warroom.EInvalid, c.field)
	}
	wantErr(t, p.do("bob", "POST", base, map[string]string{"channel": "email", "address": "bob@example.com"}), 403, warroom.EForbidden, "")
	wantErr(t, p.do("bob", "GET", base, nil), 403, warroom.EForbidden, "")
	mail := ok[warroom.ContactMethod](t, p.do("ada", "POST", base, map[string]string{"channel": "email", "address": "ada@example.com"}), 201)
	slack := ok[warroom.ContactMethod](t, p.do("root", "POST", base, map[string]string{"channel": "slack", "address": "U0123ABCD"}), 201)
	// A viewer manages their own too.
	ok[warroom.ContactMethod](t, p.do("vic", "POST", "/api/v1/users/vic/contact-methods", map[string]string{"channel": "email", "address": "vic@example.com"}), 201)
	if l := ok[contactList](t, p.do("ada", "GET", base, nil), 200); len(l.ContactMethods) != 2 || l.ContactMethods[0].UserID != p.users["ada"].ID {
		t.Fatalf("list %+v", l)
	}

	rules := "/api/v1/users/ada/notification-rules"
	if l := ok[ruleList](t, p.do("ada", "GET", rules, nil), 200); len(l.Rules) != 0 {
		t.Fatalf("rules %+v", l)
	}
	bobs := ok[warroom.ContactMethod](t, p.do("bob", "POST", "/api/v1/users/bob/contact-methods", map[string]string{"channel": "email", "address": "bob@example.com"}), 201)
	wantErr(t, p.do("ada", "PUT", rules, map[string]any{"rules": []map[string]any{{"contact_method_id": bobs.ID, "delay": "0s"}}}), 400, warroom.EInvalid, "rules.contact_method_id")
	wantErr(t, p.do("ada", "PUT", rules, map[string]any{"rules": []map[string]any{{"contact_method_id": mail.ID, "delay": "25h"}}}), 400, warroom.EInvalid, "rules.delay")
	wantErr(t, p.do("bob", "PUT", rules, map[string]any{"rules": []any{}}), 403, warroom.EForbidden, "")
	set := ok[ruleList](t, p.do("ada", "PUT", rules, map[string]any{"rules": []map[string]any{
		{"contact_method_id": slack.ID, "delay": "0s"}, {"contact_method_id": mail.ID, "delay": "2m"}}}), 200)
	want := []warroom.NotificationRule{{ContactMethodID: slack.ID}, {ContactMethodID: mail.ID, Delay: warroom.Duration(2 * time.Minute)}}
	if !reflect.DeepEqual(set.Rules, want) {
		t.Fatalf("rules %+v", set)
	}
	if got := ok[ruleList](t, p.do("root", "GET", rules, nil), 200); !reflect.DeepEqual(got.Rules, want) {
		t.Fatalf("read back %+v", got)
	}

	// Removing a contact method removes the rules that used it.
	wantErr(t, p.do("bob", "DELETE", base+"/"+mail.ID, nil), 403, warroom.EForbidden, "")
	wantErr(t, p.do("ada", "DELETE", base+"/"+bobs.ID, nil), 404, warroom.ENotFound, "")
	if got := ok[warroom.ContactMethod](t, p.do("ada", "DELETE", base+"/"+mail.ID, nil), http.StatusOK); got.ID != mail.ID {
		t.Fatalf("removed %+v", got)
	}
	if got := ok[ruleList](t, p.do("ada", "GET", rules, nil), 200); !reflect.DeepEqual(got.Rules, want[:1]) {
		t.Fatalf("rules after removal %+v", got)
	}
}

// TestTestContactMethod: a person sends themselves a test notification
// by one of their contact methods and it is delivered; someone else's
// method is refused, an admin may test anyone's.
func TestTestContactMethod(t *testing.T) {
	p := newPagingEnv(t)
	cm := ok[warroom.ContactMethod](t, p.do("vic", "POST", "/api/v1/users/vic/contact-methods",
		map[string]string{"channel": "email", "address": "vic@pager.example.com"}), 201)
	m := ok[messageView](t, p.do("vic", "POST", "/api/v1/users/vic/contact-methods/"+cm.ID+"/test", nil), 202)
	if m.Kind != "update" || m.Destination != "vic@pager.example.com" || m.State != "pending" {
		t.Fatalf("message %+v", m)
	}
	if _, err := p.pager.Sender().SendDue(context.Background(), notify.QueuePage); err != nil {
		t.Fatal(err)
	}
	sent := p.sent.messages()
	if len(sent) != 1 || sent[0].Subject != "warroom test notification" || sent[0].Destination != "vic@pager.example.com" {
		t.Fatalf("sent %+v", sent)
	}
	if r := p.do("ada", "POST", "/api/v1/users/vic/contact-methods/"+cm.ID+"/test", nil); r.Status != 403 {
		t.Fatalf("ada testing vic's method: %s", r)
	}
	if r := p.do("ada", "POST", "/api/v1/users/ada/contact-methods/"+cm.ID+"/test", nil); r.Status != 404 {
		t.Fatalf("ada testing vic's method as hers: %s", r)
	}
	ok[messageView](t, p.do("root", "POST", "/api/v1/users/vic/contact-methods/"+cm.ID+"/test", nil), 202)
}
