package intake

import (
	"reflect"
	"testing"

	"github.com/warroom/warroom"
)

// TestToAlertUpdate: what the store gets from each sender.
func TestToAlertUpdate(t *testing.T) {
	in := &warroom.Integration{ID: "i1", ServiceID: "s1"}
	labels := map[string]string{"env": "prod"}
	pd := &Alert{Source: SourcePagerDuty, DedupKey: "k", Action: ActionResolve, Summary: "s", Severity: "error",
		Origin: "db1", Component: "pg", Client: "Grafana", ClientURL: "https://grafana.example.com", Labels: labels,
		Links:  []Link{{Href: "https://x.example.com", Text: "X"}},
		Images: []Image{{Src: "https://img.example.com/a.png", Alt: "graph"}}, EndsAt: testNow}
	u := ToAlertUpdate(in, pd)
	a := u.Alert
	want := []warroom.Link{{Title: "X", URL: "https://x.example.com"}, {Title: "graph", URL: "https://img.example.com/a.png"},
		{Title: "Grafana", URL: "https://grafana.example.com"}}
	if u.Action != "resolve" || a.ServiceID != "s1" || a.IntegrationID != "i1" || a.Source != SourcePagerDuty ||
		a.DedupKey != "k" || !reflect.DeepEqual(a.Links, want) || a.EndsAt == nil || !a.EndsAt.Equal(testNow) ||
		!reflect.DeepEqual(a.Labels, map[string]string{"env": "prod", "source": "db1", "component": "pg"}) {
		t.Errorf("converted: %+v", u)
	}
	if len(labels) != 1 {
		t.Errorf("the sender's labels were changed: %v", labels)
	}
	am := ToAlertUpdate(in, &Alert{Source: SourceAlertmanager, Labels: map[string]string{"job": "api"}, Component: "api"}).Alert
	if !reflect.DeepEqual(am.Labels, map[string]string{"job": "api"}) || am.Links != nil || am.EndsAt != nil {
		t.Errorf("Alertmanager alert changed: %+v", am)
	}
	if got := ToAlertUpdates(in, []Alert{*pd, *pd}); len(got) != 2 || !reflect.DeepEqual(got[0], u) {
		t.Errorf("ToAlertUpdates: %+v", got)
	}
}
