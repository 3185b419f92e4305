package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/smtptest"

	"github.com/warroom/warroom"
)

// startServe runs `warroom serve` in-process on a free port over a fresh
// SQLite file and returns its URL, the DSN and an admin token; cleanup
// stops it as SIGINT would and checks that it exited cleanly.
func startServe(t *testing.T, extra ...string) (url, dsn, token string) {
	t.Helper()
	dsn = "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		args := append([]string{"serve", "--listen", "127.0.0.1:0", "--db", dsn, "--sweep-interval", "1h"}, extra...)
		exit <- Execute(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case url = <-found:
	case <-time.After(30 * time.Second):
	}
	if url == "" {
		cancel()
		t.Fatal("serve printed no URL")
	}
	t.Cleanup(func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	out, errOut, code := runCLI(t, nil, "bootstrap", "--db", dsn, "--email", "admin@example.com", "--output", "json")
	if code != 0 {
		t.Fatalf("bootstrap: %s", errOut)
	}
	var boot struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &boot); err != nil {
		t.Fatal(err)
	}
	return url, dsn, boot.Secret
}

// cliRunner runs commands against one server as one user.
type cliRunner struct {
	t   *testing.T
	env map[string]string
}

func (c cliRunner) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := runCLI(c.t, c.env, args...)
	if code != 0 {
		c.t.Fatalf("warroom %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (c cliRunner) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("warroom %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPagingCommands drives `warroom serve` with the paging commands: set
// up a service's paging, receive an Alertmanager alert through an
// integration made by the CLI, list, show and acknowledge alerts, and ask
// who is on call.
func TestPagingCommands(t *testing.T) {
	// Email contact methods need a relay to be accepted.
	relay := smtptest.New(t, smtptest.Config{})
	url, dsn, token := startServe(t, "--smtp-addr", relay.Addr(), "--smtp-from", "warroom@example.com")
	c := cliRunner{t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:") + ".ack-secret"); err != nil {
		t.Errorf("no ack secret kept beside the database: %v", err)
	}
	c.ok("service", "create", "--slug", "checkout", "--name", "Checkout")
	c.ok("user", "create", "--handle", "ada", "--name", "Ada", "--email", "ada@example.com")

	var in struct {
		Integration warroom.Integration
		Key, URL    string
	}
	c.json(&in, "integration", "create", "--service", "checkout", "--kind", "alertmanager")
	if in.Key == "" || in.URL != url+"/webhook/"+in.Key {
		t.Fatalf("integration %+v", in)
	}
	if out := c.ok("integration", "list", "--service", "checkout"); !strings.Contains(out, in.Integration.ID) || strings.Contains(out, in.Key) {
		t.Fatalf("integration list:\n%s", out)
	}

	// --key: a team switching over from PagerDuty keeps the routing key
	// of its Alertmanager pagerduty_configs (testdata/alertmanager's) and
	// changes only the URL.
	c.ok("service", "create", "--slug", "payments", "--name", "Payments")
	const pdKey = "0123456789abcdef0123456789abcdef"
	created := regexp.MustCompile(`^integration "am-pagerduty" \(pagerduty, id \S+\) created with the key given\.\n\n` +
		`Send PagerDuty Events API v2 events to ` + regexp.QuoteMeta(url) + `/v2/enqueue with routing_key ` + pdKey + `\.\n$`)
	if out := c.ok("integration", "create", "--service", "payments", "--kind", "pagerduty", "--name", "am-pagerduty", "--key", pdKey); !created.MatchString(out) {
		t.Fatalf("integration create --key:\n%s", out)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "alertmanager", "--key", pdKey}, "error: an integration with this key exists (field: key)"},
		{[]string{"--kind", "pagerduty", "--key", pdKey[:31]}, "error: the key of a pagerduty integration is its routing key, which is exactly 32 characters; this one has 31 (field: key)"},
		{[]string{"--kind", "webhook", "--key", "short-key"}, "error: key must be 20 to 128 characters; this one has 9 (field: key)"},
		{[]string{"--kind", "webhook", "--key", "a key with spaces in it"}, "error: key may contain only letters A-Z and a-z, digits, '-' and '_'; ' ' at position 2 is not allowed (field: key)"},
		{[]string{"--kind", "webhook", "--key", ""}, "error: key is empty: give the key the sender uses, or omit key to have one generated (field: key)"},
	} {
		out, errOut, code := runCLI(t, c.env, append([]string{"integration", "create", "--service", "payments"}, bad.args...)...)
		if code != exitFailed || out != "" || strings.TrimSpace(errOut) != bad.want {
			t.Errorf("integration create %v: exit %d, stdout %q, stderr %q; want exit 1 and %q", bad.args, code, out, errOut, bad.want)
		}
	}
	pd, err := os.ReadFile("../testdata/alertmanager/002-pagerduty-v2.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pd), `"routing_key": "`+pdKey+`"`) {
		t.Fatalf("the fixture's routing key is not %s", pdKey)
	}
	res, err := http.Post(url+"/v2/enqueue", "application/json", strings.NewReader(string(pd)))
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("the fixture's PagerDuty event with its own routing key: %v %v", res, err)
	}
	res.Body.Close()
	var pdAlerts struct{ Alerts []warroom.Alert }
	c.json(&pdAlerts, "alerts", "list", "--service", "payments")
	if len(pdAlerts.Alerts) != 1 || pdAlerts.Alerts[0].Source != "pagerduty" || pdAlerts.Alerts[0].Status != warroom.AlertFiring {
		t.Fatalf("payments alerts: %+v", pdAlerts)
	}

	sched := filepath.Join(t.TempDir(), "primary.json")
	if err := os.WriteFile(sched, []byte(`{"name":"primary","time_zone":"UTC","layers":[{"name":"daily","start":"2024-04-01T00:00","shift":"1d","participants":["ada","admin"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("schedule", "create", "--file", sched); !strings.Contains(out, "primary") || !strings.Contains(out, "calendar.ics") {
		t.Fatalf("schedule create:\n%s", out)
	}
	var oc struct {
		OnCall []struct{ Handle string } `json:"on_call"`
		Shifts []struct{ Start time.Time }
	}
	c.json(&oc, "schedule", "oncall", "primary", "--at", "2024-05-01T10:00:00Z", "--days", "3")
	if len(oc.OnCall) != 1 || oc.OnCall[0].Handle != "ada" || len(oc.Shifts) != 4 {
		t.Fatalf("oncall: %+v", oc)
	}
	if out := c.ok("schedule", "oncall", "primary"); !strings.Contains(out, "primary at ") {
		t.Fatalf("oncall text:\n%s", out)
	}

	c.ok("policy", "create", "--name", "checkout", "--step", "schedule:primary@10m", "--step", "user:ada,user:@admin", "--repeat", "1")
	if out := c.ok("policy", "show", "checkout"); !strings.Contains(out, "page schedule primary, then wait 10m") || !strings.Contains(out, "@ada, @admin") {
		t.Fatalf("policy show:\n%s", out)
	}
	var sp warroom.ServicePaging
	c.json(&sp, "service", "paging", "checkout", "--policy", "checkout", "--rule", "critical:declare:sev1", "--rule", "info:wait")
	if sp.EscalationPolicyID == "" || !reflect.DeepEqual(sp.AlertRules, []warroom.AlertRule{
		{MinSeverity: "critical", Action: warroom.AlertDeclare, IncidentSeverity: warroom.SEV1}, {MinSeverity: "info", Action: warroom.AlertWait}}) {
		t.Fatalf("service paging %+v", sp)
	}
	if out := c.ok("service", "paging", "checkout"); !strings.Contains(out, "critical or worse: declare SEV1") {
		t.Fatalf("service paging text:\n%s", out)
	}

	var cm warroom.ContactMethod
	c.json(&cm, "contact", "add", "--channel", "email", "--address", "admin@example.com")
	c.ok("notify-rules", "set", "--rule", cm.ID+"@0s")
	if out := c.ok("notify-rules", "list"); !strings.Contains(out, cm.ID) {
		t.Fatalf("rules:\n%s", out)
	}

	// An Alertmanager webhook with the key as bearer credentials.
	body, err := os.ReadFile("../testdata/alertmanager/004-webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url+"/webhook/any-name", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+in.Key)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("webhook: %v %v", res, err)
	}
	res.Body.Close()
	var alerts struct{ Alerts []warroom.Alert }
	c.json(&alerts, "alerts", "list", "--service", "checkout", "--status", "firing")
	if len(alerts.Alerts) != 1 || alerts.Alerts[0].DedupKey != "6ae7ed227a34cb4f" {
		t.Fatalf("alerts: %+v", alerts)
	}
	id := alerts.Alerts[0].ID
	if out := c.ok("alerts", "show", id); !strings.Contains(out, "p99 latency of payments above 2s") {
		t.Fatalf("alerts show:\n%s", out)
	}
	if a := apiAlert(t, url, token, id); a.Status != warroom.AlertFiring || a.AcknowledgedAt != nil {
		t.Fatalf("before the ack: %+v", a)
	}
	// The server's clock is the wall clock: the acknowledgement time lies
	// between the moments before and after the command (stored to the
	// microsecond).
	before := time.Now().UTC().Truncate(time.Microsecond)
	if out := c.ok("alerts", "ack", id); !strings.Contains(out, "acknowledged") {
		t.Fatalf("alerts ack:\n%s", out)
	}
	after := time.Now().UTC()
	acked := apiAlert(t, url, token, id)
	if acked.Status != warroom.AlertAcknowledged || acked.AcknowledgedAt == nil ||
		acked.AcknowledgedAt.Before(before) || acked.AcknowledgedAt.After(after) {
		t.Fatalf("after alerts ack, the API shows status %s acknowledged at %v; want acknowledged between %v and %v",
			acked.Status, acked.AcknowledgedAt, before, after)
	}
	c.json(&alerts, "alerts", "list", "--service", "checkout", "--status", "acknowledged")
	if len(alerts.Alerts) != 1 || alerts.Alerts[0].ID != id || !alerts.Alerts[0].AcknowledgedAt.Equal(*acked.AcknowledgedAt) {
		t.Fatalf("acknowledged alerts: %+v", alerts)
	}
	var res2 warroom.CommandResult
	c.json(&res2, "alerts", "declare", id, "--severity", "SEV3")
	if res2.Incident == nil || res2.Incident.Severity != warroom.SEV3 {
		t.Fatalf("declare: %+v", res2)
	}
	c.ok("alerts", "messages", "--incident", res2.Incident.Ref)
	// Alerts name their incident as people do, INC-n, not by its ID.
	for _, args := range [][]string{{"alerts", "list", "--service", "checkout"}, {"alerts", "show", id}} {
		out := c.ok(args...)
		if !regexp.MustCompile(`(?m)\s`+regexp.QuoteMeta(res2.Incident.Ref)+`\s`).MatchString(out) || strings.Contains(out, res2.Incident.ID) {
			t.Errorf("warroom %s names the incident by ID, not as %s:\n%s", strings.Join(args, " "), res2.Incident.Ref, out)
		}
	}

	// An admin adding someone else's contact method is told the command
	// that uses it for them, and that command works as printed.
	out := c.ok("contact", "add", "--user", "ada", "--channel", "email", "--address", "ada@example.com")
	use := regexp.MustCompile(`(?m)to say when each is: warroom (notify-rules set .*)$`).FindStringSubmatch(out)
	if use == nil || !strings.Contains(use[1], "--user ada") {
		t.Fatalf("contact add --user ada:\n%s", out)
	}
	c.ok(strings.Fields(use[1])...)
	if out := c.ok("notify-rules", "list", "--user", "ada"); !strings.Contains(out, "at once") {
		t.Errorf("ada's rules after the printed command:\n%s", out)
	}
	c.ok("integration", "delete", "--service", "checkout", in.Integration.ID)
	c.ok("contact", "remove", cm.ID)
}

// apiAlert reads an alert straight from the API, not through the CLI.
func apiAlert(t *testing.T, server, token, id string) warroom.Alert {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, server+"/api/v1/alerts/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a warroom.Alert
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET alert %s: status %d, %v", id, res.StatusCode, err)
	}
	return a
}

// TestPagingFlagParsing covers the compact flag forms.
func TestPagingFlagParsing(t *testing.T) {
	step, err := parseStep("user:@ada,schedule:primary@10m")
	if err != nil || step.Delay != warroom.Duration(10*time.Minute) ||
		!reflect.DeepEqual(step.Targets, []warroom.Target{{Type: "user", ID: "ada"}, {Type: "schedule", ID: "primary"}}) {
		t.Errorf("step %+v %v", step, err)
	}
	if step, err := parseStep("user:ada"); err != nil || step.Delay != warroom.Duration(5*time.Minute) {
		t.Errorf("default delay: %+v %v", step, err)
	}
	for _, bad := range []string{"ada", "team:sre", "user:"} {
		if _, err := parseStep(bad); err == nil {
			t.Errorf("step %q accepted", bad)
		}
	}
	if r, err := parseRule("critical:declare:2"); err != nil || r != (warroom.AlertRule{MinSeverity: "critical", Action: "declare", IncidentSeverity: warroom.SEV2}) {
		t.Errorf("rule %+v %v", r, err)
	}
	for _, bad := range []string{"critical", "a:b:c:d", "critical:declare:SEV9"} {
		if _, err := parseRule(bad); err == nil {
			t.Errorf("rule %q accepted", bad)
		}
	}
	if r, err := parseNotifyRule("c1@2m"); err != nil || r != (warroom.NotificationRule{ContactMethodID: "c1", Delay: warroom.Duration(2 * time.Minute)}) {
		t.Errorf("notify rule %+v %v", r, err)
	}
	if _, err := parseNotifyRule("c1@soon"); err == nil {
		t.Error("bad delay accepted")
	}
}

// TestPagingConfigValidation: paging settings that make no sense stop
// serve before it starts.
func TestPagingConfigValidation(t *testing.T) {
	for _, c := range []struct {
		cfg  pagingConfig
		want string
	}{
		{pagingConfig{AckSecret: "short"}, "--ack-secret"},
		{pagingConfig{SMTPAddr: "mail"}, "--smtp-addr"},
		{pagingConfig{SMTPAddr: "mail:25", SMTPFrom: "nobody"}, "--smtp-from"},
		{pagingConfig{Announce: "pager:x"}, "CHANNEL:ADDRESS"},
		{pagingConfig{Announce: "slack:C1"}, "--slack-token"},
		{pagingConfig{Announce: "email:ops@example.com"}, "--smtp-addr"},
		{pagingConfig{Announce: "webhook:https://hooks.example.com/x"}, "--webhook-secret"},
		{pagingConfig{Announce: "slack-webhook:not a url"}, "http(s) URL"},
	} {
		if err := c.cfg.validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	ok := pagingConfig{SlackToken: "xoxb-1", WebhookSecret: "s", SMTPAddr: "mail:25", SMTPFrom: "warroom@example.com",
		Announce: "slack:C1, email:ops@example.com,webhook:https://hooks.example.com/x"}
	dests, err := ok.announce()
	if err != nil || len(dests) != 3 || dests[2].Secret != "s" || dests[0].Address != "C1" {
		t.Errorf("announce %+v %v", dests, err)
	}
}

// TestAckSecretFile: SQLite keeps the ack secret beside the database and
// reads the same one back; PostgreSQL without a setting gets a
// process-only one.
func TestAckSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	cfg := defaultServeConfig()
	cfg.Database = "sqlite:" + path
	first, err := ackSecret(cfg, nil)
	if err != nil || len(first) < 16 {
		t.Fatalf("%q %v", first, err)
	}
	again, err := ackSecret(cfg, nil)
	if err != nil || string(again) != string(first) {
		t.Fatalf("second read %q %v", again, err)
	}
	if st, err := os.Stat(path + ".ack-secret"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	cfg.Paging.AckSecret = "configured-secret-1234"
	if s, _ := ackSecret(cfg, nil); string(s) != "configured-secret-1234" {
		t.Errorf("configured secret ignored: %q", s)
	}
}
