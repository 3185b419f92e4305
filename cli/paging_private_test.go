package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// TestAlertsOfPrivateIncident drives `warroom serve` with the alerts
// commands as bob, a responder outside a private incident: what he sees
// and is told of its alert is exactly what a command about an alert (or
// incident) that does not exist shows, and names nothing of the incident;
// ada, who takes part, sees it all.
func TestAlertsOfPrivateIncident(t *testing.T) {
	url, _, token := startServe(t)
	admin := cliRunner{t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	as := func(handle string) cliRunner {
		admin.ok("user", "create", "--handle", handle, "--name", handle, "--email", handle+"@example.com")
		var tok struct{ Secret string }
		admin.json(&tok, "token", "create", "--user", handle)
		return cliRunner{t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": tok.Secret}}
	}
	ada, bob := as("ada"), as("bob")
	admin.ok("service", "create", "--slug", "auth", "--name", "Auth")
	var in struct{ URL string }
	admin.json(&in, "integration", "create", "--service", "auth", "--kind", "webhook")
	res, err := http.Post(in.URL, "application/json", strings.NewReader(`{"dedup_key":"keys","title":"Keys in a public repository","severity":"warning"}`))
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("alert: %v %v", res, err)
	}
	res.Body.Close()
	var list struct{ Alerts []warroom.Alert }
	admin.json(&list, "alerts", "list", "--service", "auth")
	if len(list.Alerts) != 1 {
		t.Fatalf("alerts: %+v", list)
	}
	alert := list.Alerts[0].ID
	var priv warroom.CommandResult
	ada.json(&priv, "declare", "--title", "Credential leak", "--severity", "SEV3", "--private")
	var public warroom.CommandResult
	bob.json(&public, "declare", "--title", "Login slow", "--severity", "SEV3")
	ada.ok("alerts", "attach", priv.Incident.Ref, alert)

	secrets := []string{priv.Incident.ID, priv.Incident.Ref, priv.Incident.Title, "Keys in a public repository"}
	const ghost = "01960000-0000-7000-8000-000000000000"
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"alerts", "list"}, 0},
		{[]string{"alerts", "list", "--output", "json"}, 0},
		{[]string{"alerts", "list", "--incident", priv.Incident.Ref}, exitFailed},
		{[]string{"alerts", "show", alert}, exitFailed},
		{[]string{"alerts", "ack", alert}, exitFailed},
		{[]string{"alerts", "declare", alert}, exitFailed},
		{[]string{"alerts", "attach", public.Incident.Ref, alert}, exitFailed},
		{[]string{"alerts", "messages", alert}, exitFailed},
		{[]string{"alerts", "messages", "--incident", priv.Incident.Ref}, exitFailed},
	} {
		out, errOut, code := runCLI(t, bob.env, c.args...)
		asked := strings.Join(c.args, " ")
		for _, s := range secrets {
			if strings.Contains(out+errOut, s) && !strings.Contains(asked, s) {
				t.Errorf("bob: warroom %s shows %q:\n%s%s", asked, s, out, errOut)
			}
		}
		if code != c.code {
			t.Errorf("bob: warroom %s: exit %d, want %d\n%s%s", asked, code, c.code, out, errOut)
			continue
		}
		if code == 0 {
			continue
		}
		// Word for word what the same command about nothing says.
		ghostArgs := strings.Split(strings.NewReplacer(alert, ghost, priv.Incident.Ref, "INC-99").Replace(asked), " ")
		gOut, gErr, gCode := runCLI(t, bob.env, ghostArgs...)
		back := strings.NewReplacer(ghost, alert, "INC-99", priv.Incident.Ref)
		if gCode != code || back.Replace(gOut) != out || back.Replace(gErr) != errOut {
			t.Errorf("bob: warroom %s: exit %d %q %q; about nothing: exit %d %q %q", asked, code, out, errOut, gCode, gOut, gErr)
		}
	}
	var a warroom.Alert
	admin.json(&a, "alerts", "show", alert)
	if a.Status != warroom.AlertFiring || a.IncidentID != priv.Incident.ID {
		t.Fatalf("bob's commands changed the alert: %+v", a)
	}
	if out := ada.ok("alerts", "show", alert); !strings.Contains(out, priv.Incident.Ref) {
		t.Fatalf("ada, who takes part, does not see the incident of its alert:\n%s", out)
	}
	if out := ada.ok("alerts", "ack", alert); !strings.Contains(out, priv.Incident.Ref) {
		t.Fatalf("ada's acknowledgement:\n%s", out)
	}
}
