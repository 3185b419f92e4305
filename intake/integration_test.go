package intake

import (
	"testing"

	"github.com/warroom/warroom"
)

func TestAlertmanagerReceiver(t *testing.T) {
	for _, c := range []struct {
		kind warroom.IntegrationKind
		want string
	}{
		{warroom.IntegrationAlertmanager, `receivers:
  - name: "warroom \"api\""
    webhook_configs:
      - url: "https://wr.example.com/webhook/k_0123456789abcdefghij"
        send_resolved: true
`},
		{warroom.IntegrationPagerDuty, `receivers:
  - name: "warroom \"api\""
    pagerduty_configs:
      - routing_key: "k_0123456789abcdefghij"
        url: "https://wr.example.com/v2/enqueue"
        send_resolved: true
`},
		{warroom.IntegrationWebhook, ""},
	} {
		if got := AlertmanagerReceiver("https://wr.example.com/", `warroom "api"`, c.kind, "k_0123456789abcdefghij"); got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.kind, got, c.want)
		}
	}
}

func TestNewIntegrationCheck(t *testing.T) {
	in := NewIntegration{Kind: warroom.IntegrationPagerDuty, Name: "  "}
	if err := in.Check(); err != nil || in.Name != "pagerduty" {
		t.Fatalf("%v, name %q", err, in.Name)
	}
	short := "abc"
	for _, c := range []struct {
		in    NewIntegration
		field string
	}{
		{NewIntegration{Kind: "nagios"}, "kind"},
		{NewIntegration{Kind: warroom.IntegrationWebhook, Key: &short}, "key"},
		{NewIntegration{Kind: warroom.IntegrationPagerDuty, Key: &short}, "key"},
	} {
		if err := c.in.Check(); warroom.ErrorField(err) != c.field {
			t.Errorf("%+v: %v, want an error about %s", c.in, err, c.field)
		}
	}
}
