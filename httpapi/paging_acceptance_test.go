package httpapi

// Acceptance tests of paging (issue 3), end to end through the real HTTP
// endpoints: an admin sets everything up through the API, monitoring tools
// send what they really send, and the engine and the outbox senders run
// by hand on the injected clock, so that minutes of process time take
// milliseconds. Pages to webhook contacts go through the real signed
// webhook notifier to a receiver that verifies every signature; the other
// channels are recorded with the clock time they were sent at.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/jackc/pgx/v5"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
)

// acceptance is a paging env built for the acceptance tests: its paging
// configuration is the test's, its store SQLite or PostgreSQL, and every
// delivery is recorded in out.
type acceptance struct {
	*pagingEnv
	t0   time.Time   // the scenario's time zero: offsets in out are from it
	out  *deliveries // everything the notifiers delivered
	hook string      // the signed webhook receiver's URL
}

// delivery is one message that left warroom.
type delivery struct {
	At       time.Time // clock time of the send
	Channel  string
	To       string // address; for webhooks, the receiver's path
	Msg      notify.Message
	Delivery string // X-Warroom-Delivery of a webhook
}

type deliveries struct {
	mu  sync.Mutex
	got []delivery
	bad []string // webhook requests that failed verification
}

func (d *deliveries) add(x delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, x)
}

func (d *deliveries) all() []delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

// clockedNotifier records the messages of one channel with the clock time.
type clockedNotifier struct {
	channel string
	now     func() time.Time
	out     *deliveries
}

func (c clockedNotifier) Channel() string { return c.channel }
func (c clockedNotifier) Send(_ context.Context, m notify.Message) (string, error) {
	c.out.add(delivery{At: c.now(), Channel: c.channel, To: m.Destination, Msg: m})
	return "provider-" + m.ID, nil
}

// newAcceptance starts the API on db ("sqlite" or "postgres") at t0 with a
// real pager whose configuration configure may change, an engine run by
// hand, a signed webhook receiver, and bridge links for incidents. The
// service "checkout" is created through the API.
func newAcceptance(t *testing.T, db string, t0 time.Time, configure func(*paging.Config)) *acceptance {
	t.Helper()
	e := envOnStore(t, db)
	e.clock.Advance(t0.Sub(e.clock.Now()))
	e.api.incidents.BridgeURLTemplate = "https://meet.example.com/warroom-{ref}"
	a := &acceptance{t0: t0, out: &deliveries{}}

	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify(webhookSecretForTests, r.Header.Get(webhook.HeaderTimestamp), string(body),
			r.Header.Get(webhook.HeaderSignature), e.clock.Now(), 0)
		var pl webhook.Payload
		if err == nil {
			err = json.Unmarshal(body, &pl)
		}
		if err != nil {
			a.out.mu.Lock()
			a.out.bad = append(a.out.bad, r.URL.Path+": "+err.Error())
			a.out.mu.Unlock()
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		a.out.add(delivery{At: e.clock.Now(), Channel: notify.ChannelWebhook, To: r.URL.Path, Delivery: r.Header.Get(webhook.HeaderDelivery),
			Msg: notify.Message{ID: pl.ID, Kind: pl.Kind, IncidentID: pl.IncidentID, AlertID: pl.AlertID, Subject: pl.Subject,
				Text: pl.Text, Fields: pl.Fields, AckURL: pl.AckURL}})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	a.hook = recv.URL

	// The receiver listens on 127.0.0.1, which people's webhooks reach
	// only when an admin allows it (--outbound-allow).
	e.api.outbound = loopbackAllowed
	notifiers := []notify.Notifier{webhook.New(webhook.Config{}, loopbackAllowed.Client(0), e.clock.Now)}
	for _, ch := range []string{notify.ChannelEmail, notify.ChannelSlack, notify.ChannelSlackWebhook} {
		notifiers = append(notifiers, clockedNotifier{channel: ch, now: e.clock.Now, out: a.out})
	}
	a.pagingEnv = withPaging(t, e, &sentLog{}, notifiers, func(cfg *paging.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
		if configure != nil {
			configure(cfg)
		}
	})
	svc := ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]string{"slug": "checkout", "name": "Checkout"}), 201)
	a.service = &svc
	t.Cleanup(func() {
		a.out.mu.Lock()
		defer a.out.mu.Unlock()
		if a.out.bad != nil {
			t.Errorf("webhook requests that failed verification: %v", a.out.bad)
		}
	})
	return a
}

// acceptancePostgres creates a schema in WARROOM_TEST_POSTGRES, dropped at
// cleanup, and returns a DSN whose search_path is it; it skips the test
// when the variable is unset.
func acceptancePostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("WARROOM_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("WARROOM_TEST_POSTGRES is unset; set it to a PostgreSQL URL to run the PostgreSQL variant")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("wr_accept_%016x", rand.Uint64())
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
		_ = admin.Close(ctx)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// storeDSN is the DSN of a fresh store on db: a SQLite file, or a
// PostgreSQL schema (acceptancePostgres, which skips the test when
// WARROOM_TEST_POSTGRES is unset).
func storeDSN(t *testing.T, db string) string {
	t.Helper()
	if db == "postgres" {
		return acceptancePostgres(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "w.db")
}

// eachStore runs an acceptance test on SQLite and, when
// WARROOM_TEST_POSTGRES is set, on PostgreSQL.
func eachStore(t *testing.T, test func(t *testing.T, db string)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { test(t, db) })
	}
}

// tick is one moment of a running warroom: the engine runs every due job
// and the senders of both queues every due message, until nothing is due.
func (a *acceptance) tick() {
	a.t.Helper()
	ctx := context.Background()
	for range 20 {
		a.runJobs()
		n := 0
		for _, q := range paging.Queues {
			k, err := a.pager.Sender().SendDue(ctx, q)
			if err != nil {
				a.t.Fatalf("send %s: %v", q, err)
			}
			n += k
		}
		if n == 0 {
			return
		}
	}
	a.t.Fatal("the senders kept finding due messages")
}

// at moves the clock to t0+d and runs what is due then.
func (a *acceptance) at(d time.Duration) {
	a.t.Helper()
	target := a.t0.Add(d)
	now := a.clock.Now()
	if target.Before(now) {
		a.t.Fatalf("at(%s): the clock is already at %s", d, now.Sub(a.t0))
	}
	a.clock.Advance(target.Sub(now))
	a.tick()
}

// runUntil lets warroom run from now to t0+d, ticking at every multiple
// of step after t0 on the way, as the background workers would.
func (a *acceptance) runUntil(d, step time.Duration) {
	a.t.Helper()
	for next := (a.off(a.clock.Now())/step + 1) * step; next < d; next += step {
		a.at(next)
	}
	a.at(d)
}

// off is an instant as an offset from t0.
func (a *acceptance) off(at time.Time) time.Duration { return at.Sub(a.t0) }

// sentFrom describes the deliveries from index from on, sorted:
// "<offset> <channel> <to> <kind> <subject>".
func (a *acceptance) sentFrom(from int) []string {
	var out []string
	for _, d := range a.out.all()[from:] {
		out = append(out, fmt.Sprintf("%s %s %s %s %s", a.off(d.At), d.Channel, d.To, d.Msg.Kind, d.Msg.Subject))
	}
	slices.Sort(out)
	return out
}

// wantSent checks the deliveries since from exactly (in any order) and
// returns the new mark.
func (a *acceptance) wantSent(step string, from int, want ...string) int {
	a.t.Helper()
	slices.Sort(want)
	if got := a.sentFrom(from); !slices.Equal(got, want) {
		a.t.Fatalf("%s: sent\n  %s\nwant\n  %s", step, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	return len(a.out.all())
}

// messages describes the outbox messages of an incident or alert as the
// API shows them, sorted: "<kind> <channel> <destination> <state>
// due=<offset> attempts=<n> [throttle=<reason>] [<outcome>@<offset>: <detail>; ...]".
func (a *acceptance) messages(path string) []string {
	a.t.Helper()
	l := ok[messageList](a.t, a.do("vic", "GET", path, nil), 200)
	var out []string
	for _, m := range l.Messages {
		var h []string
		for _, x := range m.History {
			s := fmt.Sprintf("%s@%s", x.Outcome, a.off(x.At))
			if x.Detail != "" {
				s += ": " + x.Detail
			}
			h = append(h, s)
		}
		line := fmt.Sprintf("%s %s %s %s due=%s attempts=%d", m.Kind, m.Channel, m.Destination, m.State, a.off(m.DueAt), m.Attempts)
		if m.ThrottleReason != "" {
			line += " throttle=" + m.ThrottleReason
		}
		out = append(out, line+" ["+strings.Join(h, "; ")+"]")
	}
	slices.Sort(out)
	return out
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// incident reads an incident with its timeline through the API.
func (a *acceptance) incident(ref string) warroom.IncidentView {
	a.t.Helper()
	return ok[warroom.IncidentView](a.t, a.do("vic", "GET", "/api/v1/incidents/"+ref, nil), 200)
}

// systemNotes are the notes warroom itself wrote on an incident's
// timeline, sorted.
func (a *acceptance) systemNotes(ref string) []string {
	a.t.Helper()
	var out []string
	for _, e := range a.incident(ref).Timeline {
		if e.Type == warroom.EntryNote && e.ActorID == "" {
			out = append(out, e.Text)
		}
	}
	slices.Sort(out)
	return out
}

// contact creates a contact method for who through the API, as root.
func (a *acceptance) contact(who string, ch warroom.ContactChannel, address string) string {
	a.t.Helper()
	return ok[warroom.ContactMethod](a.t, a.do("root", "POST", "/api/v1/users/"+who+"/contact-methods",
		map[string]string{"channel": string(ch), "address": address}), 201).ID
}

// rules sets who's notification rules through the API, as root: pairs of
// contact method ID and delay.
func (a *acceptance) rules(who string, pairs ...string) {
	a.t.Helper()
	var rules []map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		rules = append(rules, map[string]string{"contact_method_id": pairs[i], "delay": pairs[i+1]})
	}
	got := ok[ruleList](a.t, a.do("root", "PUT", "/api/v1/users/"+who+"/notification-rules", map[string]any{"rules": rules}), 200)
	if len(got.Rules) != len(rules) {
		a.t.Fatalf("rules of %s: %+v", who, got)
	}
}

// policy creates an escalation policy through the API: one step per
// user handle, each waiting delay.
func (a *acceptance) policy(name, delay string, repeat int, handles ...string) *warroom.EscalationPolicy {
	a.t.Helper()
	var steps []map[string]any
	for _, h := range handles {
		steps = append(steps, map[string]any{"targets": []map[string]string{{"type": "user", "id": h}}, "delay": delay})
	}
	pol := ok[warroom.EscalationPolicy](a.t, a.do("root", "POST", "/api/v1/escalation-policies",
		map[string]any{"name": name, "steps": steps, "repeat": repeat}), 201)
	return &pol
}

// servicePaging sets checkout's paging through the API.
func (a *acceptance) servicePaging(policy string, rules ...map[string]string) {
	a.t.Helper()
	sp := ok[warroom.ServicePaging](a.t, a.do("root", "PUT", "/api/v1/services/checkout/paging",
		map[string]any{"escalation_policy": policy, "alert_rules": rules}), 200)
	if sp.EscalationPolicyID == "" || len(sp.AlertRules) != len(rules) {
		a.t.Fatalf("service paging %+v", sp)
	}
}

// integration creates an integration of checkout through the API and
// returns its answer (the key is shown only there).
func (a *acceptance) integration(kind warroom.IntegrationKind, name string) newIntegration {
	a.t.Helper()
	return ok[newIntegration](a.t, a.do("root", "POST", "/api/v1/services/checkout/integrations",
		map[string]string{"kind": string(kind), "name": name}), 201)
}

// postFixture sends the exact bytes of a captured Alertmanager request to
// /webhook/<key>, with the captured headers; the captured credential (a
// Bearer token) is replaced by key, in the same style.
func (a *acceptance) postFixture(name, key string) resp {
	a.t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
	if err != nil {
		a.t.Fatalf("fixture %s: %v", name, err)
	}
	head, err := os.ReadFile(filepath.Join(fixtureDir, name+".headers"))
	if err != nil {
		a.t.Fatalf("fixture %s: %v", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Scan()
	method, _, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
	req, err := http.NewRequest(method, a.srv.URL+"/webhook/"+url.PathEscape(key), bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	bearer := false
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok || strings.EqualFold(k, "Content-Length"):
		case strings.EqualFold(k, "Authorization"):
			if !strings.HasPrefix(v, "Bearer ") {
				a.t.Fatalf("fixture %s: Authorization %q is not a Bearer token", name, v)
			}
			bearer = true
			req.Header.Set(k, "Bearer "+key)
		default:
			req.Header.Add(k, v)
		}
	}
	if !bearer {
		a.t.Fatalf("fixture %s has no Authorization header", name)
	}
	return a.send(req)
}

// alertBy returns the alert of a source and dedup key, through the API.
func (a *acceptance) alertBy(source, key string) *warroom.Alert {
	a.t.Helper()
	got := a.alerts("service=checkout")[source+"/"+key]
	if got == nil {
		a.t.Fatalf("no %s alert %s", source, key)
	}
	return got
}

func wantTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// TestAcceptanceAlertmanagerEscalation: a real Alertmanager's webhook
// declares one incident for its group of two alerts and pages the
// escalation policy step by step until a person acknowledges; resolving
// every alert notes it on the timeline and leaves the incident open.
func TestAcceptanceAlertmanagerEscalation(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		// Time zero: two seconds after the fixture's alerts started firing.
		t0 := time.Date(2026, 11, 22, 0, 9, 0, 0, time.UTC)
		a := newAcceptance(t, db, t0, nil)
		const (
			fpA     = "d5d7ec2b0093448a" // the group's first alert: it declares
			fpB     = "9e9cf170157b3e0b"
			summary = "Checkout 5xx rate above 5% for 10 minutes"
			subject = "[CRITICAL] INC-1: " + summary
		)

		// Set-up, all through the API as an admin. ada: a signed webhook at
		// once, email after 10m; bob: email at once, webhook after 3m.
		adaHook := a.contact("ada", warroom.ContactWebhook, a.hook+"/ada")
		adaMail := a.contact("ada", warroom.ContactEmail, "ada@example.com")
		a.rules("ada", adaHook, "0s", adaMail, "10m")
		bobMail := a.contact("bob", warroom.ContactEmail, "bob@example.com")
		bobHook := a.contact("bob", warroom.ContactWebhook, a.hook+"/bob")
		a.rules("bob", bobMail, "0s", bobHook, "3m")
		pol := a.policy("checkout-primary", "5m", 0, "ada", "bob")
		a.servicePaging(pol.Name, map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV1"},
			map[string]string{"min_severity": "warning", "action": "wait"})
		in := a.integration(warroom.IntegrationAlertmanager, "prometheus")
		if in.URL != a.srv.URL+"/webhook/"+in.Key || in.Integration.Kind != warroom.IntegrationAlertmanager {
			t.Fatalf("integration %+v", in)
		}

		// 001: the checkout group fires with two alerts.
		r := a.postFixture("001-webhook", in.Key)
		if r.Status != http.StatusAccepted || strings.TrimSpace(string(r.Body)) != `{"status":"success","message":"Alerts processed","dedup_keys":["`+fpA+`","`+fpB+`"]}` {
			t.Fatalf("001: %s", r)
		}
		alertA, alertB := a.alertBy("alertmanager", fpA), a.alertBy("alertmanager", fpB)
		if alertA.ID == alertB.ID || alertA.GroupKey != alertB.GroupKey || alertA.Severity != "critical" || alertA.Status != warroom.AlertFiring {
			t.Fatalf("alerts %+v / %+v", alertA, alertB)
		}
		a.tick()
		alertA, alertB = a.alertBy("alertmanager", fpA), a.alertBy("alertmanager", fpB)
		if alertA.IncidentID == "" || alertB.IncidentID != alertA.IncidentID {
			t.Fatalf("one group, one incident: %q / %q", alertA.IncidentID, alertB.IncidentID)
		}
		list := ok[map[string][]*warroom.Incident](t, a.do("vic", "GET", "/api/v1/incidents", nil), 200)["incidents"]
		if len(list) != 1 {
			t.Fatalf("%d incidents, want 1", len(list))
		}
		inc := a.incident("INC-1").Incident
		if inc.ID != alertA.IncidentID || inc.Severity != warroom.SEV1 || inc.Title != summary || inc.DeclaredByID != "" ||
			!inc.DeclaredAt.Equal(t0) || !inc.ImpactStartedAt.Equal(time.Date(2026, 11, 22, 0, 8, 58, 0, time.UTC)) || inc.AcknowledgedAt != nil {
			t.Fatalf("incident %+v", inc)
		}
		// Exactly one page: the group makes one incident, and only the
		// alert that declared it escalates (the other joins it); ada's
		// first rule is her webhook, at once.
		mark := a.wantSent("t0", 0, "0s webhook /ada page "+subject)
		page := a.out.all()[0]
		if page.Msg.AlertID != alertA.ID || page.Msg.IncidentID != inc.ID || page.Delivery != page.Msg.ID ||
			!strings.HasPrefix(page.Msg.AckURL, a.srv.URL+"/ack/") {
			t.Fatalf("ada's page %+v", page)
		}
		if m := a.messages("/api/v1/alerts/" + alertB.ID + "/messages"); len(m) != 0 {
			t.Fatalf("the attached alert paged: %v", m)
		}

		// Step 2 is due 5m after step 1, not a second earlier.
		a.at(4*time.Minute + 59*time.Second)
		mark = a.wantSent("4m59s", mark)
		a.at(5 * time.Minute)
		mark = a.wantSent("5m", mark, "5m0s email bob@example.com page "+subject)

		// bob acknowledges through the API: the alert, its incident (MTTA)
		// and the group's other alert.
		ackAt := t0.Add(6*time.Minute + 30*time.Second)
		a.at(a.off(ackAt))
		ack := ok[ackAnswer](t, a.do("bob", "POST", "/api/v1/alerts/"+alertA.ID+"/acknowledge", nil), 200)
		if ack.Alert.Status != warroom.AlertAcknowledged || ack.Incident == nil || ack.Message != "alert acknowledged; INC-1 acknowledged" {
			t.Fatalf("ack %+v", ack)
		}
		wantTime(t, "alert acknowledged_at", ack.Alert.AcknowledgedAt, ackAt)
		wantTime(t, "incident acknowledged_at", ack.Incident.AcknowledgedAt, ackAt)
		if b := a.alert(alertB.ID); b.Status != warroom.AlertAcknowledged {
			t.Fatalf("the group's other alert after the ack: %+v", b)
		}

		// 30 minutes more: no page to anyone. The two pages still pending
		// by the notification rules (bob's webhook at 8m, ada's email at
		// 10m) are cancelled. The one message is the first responder
		// protocol's: at 10m there is still no Incident Commander, so bob,
		// first responder since he acknowledged, is told to halt and pick
		// one (by his earliest rule).
		a.runUntil(a.off(ackAt)+30*time.Minute, time.Minute)
		mark = a.wantSent("after the ack", mark, "10m0s email bob@example.com update INC-1: halt technical work and pick an Incident Commander")
		hookShown := a.hook + "/…"
		wantLines(t, "INC-1 messages", a.messages("/api/v1/incidents/INC-1/messages"),
			"page webhook "+hookShown+" sent due=0s attempts=1 [sent@0s]",
			"page email ada@example.com failed due=10m0s attempts=0 [cancelled@10m0s: not sent: alert acknowledged]",
			"page email bob@example.com sent due=5m0s attempts=1 [sent@5m0s]",
			"page webhook "+hookShown+" failed due=8m0s attempts=0 [cancelled@8m0s: not sent: alert acknowledged]",
			"update email bob@example.com sent due=10m0s attempts=1 [sent@10m0s]")
		view := a.incident("INC-1")
		wantTime(t, "MTTA: incident acknowledged_at", view.Incident.AcknowledgedAt, ackAt)
		if view.Incident.FirstResponderID != a.users["bob"].ID {
			t.Fatalf("first responder %q, want bob", view.Incident.FirstResponderID)
		}

		// 005: one alert of the group resolved, the group still firing.
		// 008 is the payments group resolving, whose alert never reached
		// this integration: ignored. 010: the checkout group all resolved.
		r = a.postFixture("005-webhook", in.Key)
		if r.Status != http.StatusAccepted {
			t.Fatalf("005: %s", r)
		}
		a.tick()
		resA, firingB := a.alertBy("alertmanager", fpA), a.alertBy("alertmanager", fpB)
		if resA.Status != warroom.AlertResolved || firingB.Status != warroom.AlertAcknowledged || firingB.Duplicates != 1 ||
			resA.EndsAt == nil || !resA.EndsAt.Equal(time.Date(2026, 11, 22, 0, 9, 5, 0, time.UTC)) {
			t.Fatalf("after 005: %+v / %+v", resA, firingB)
		}
		before := a.systemNotes("INC-1")
		r = a.postFixture("008-webhook", in.Key)
		if r.Status != http.StatusAccepted {
			t.Fatalf("008: %s", r)
		}
		a.tick()
		if all := a.alerts("service=checkout"); len(all) != 2 || all["alertmanager/"+fpB].Status != warroom.AlertAcknowledged {
			t.Fatalf("after 008: %v", keys(all))
		}
		if got := a.systemNotes("INC-1"); !slices.Equal(got, before) {
			t.Fatalf("008 changed the timeline: %v", got)
		}
		r = a.postFixture("010-webhook", in.Key)
		if r.Status != http.StatusAccepted {
			t.Fatalf("010: %s", r)
		}
		a.tick()
		if b := a.alertBy("alertmanager", fpB); b.Status != warroom.AlertResolved || b.ResolvedAt == nil || !b.ResolvedAt.Equal(a.clock.Now()) {
			t.Fatalf("after 010: %+v", b)
		}
		a.wantSent("after the resolves", mark)
		const allResolved = "All 2 alerts of this incident have resolved. The incident stays open: closing it is for its responders to decide."
		if slices.Contains(before, allResolved) {
			t.Fatal("the all-resolved note came before every alert resolved")
		}
		if got := a.incident("INC-1").Incident; !got.Stage.Open() || got.Stage != inc.Stage {
			t.Fatalf("the incident after its alerts resolved: stage %s", got.Stage)
		}
		instruction := warroom.FirstResponderInstruction(warroom.DefaultPolicy())
		wantLines(t, "INC-1 system notes", a.systemNotes("INC-1"),
			fmt.Sprintf("Declared by warroom for alert %q (critical, %s): the service's rules declare a SEV1 incident for critical alerts or worse.", summary, alertA.ID),
			fmt.Sprintf("Alert %q (critical, %s) attached: it belongs to the same alert group.", summary, alertB.ID),
			`Paged @ada for the alert (step 1 of 2, round 1 of 1 of escalation policy "checkout-primary"). Next step at 2026-11-22T00:14:00Z unless acknowledged.`,
			`Paged @bob for the alert (step 2 of 2, round 1 of 1 of escalation policy "checkout-primary"). This was the last step: paging stops here unless someone acknowledges.`,
			fmt.Sprintf("Alert %q (%s) was acknowledged; paging for it stops.", summary, alertA.ID),
			fmt.Sprintf("Alert %q (%s) was acknowledged; paging for it stops.", summary, alertB.ID),
			"First responder protocol: no Incident Commander 10m after the announcement and service is not recovered. "+
				"No IC escalation policy is configured, so nobody is paged for it. @bob (first responder) was told: "+instruction,
			allResolved)
	})
}

// TestAcceptancePagerDutyEvents drives /v2/enqueue with PagerDuty's own Go
// client: a trigger declares an incident and pages step 1; the same
// dedup_key again is a counted duplicate that pages nobody; with nobody
// acknowledging, step 2 is paged at its delay; the source's acknowledge
// then stops the escalation (step 3 and step 2's later notification rule
// are never sent); its resolve resolves the alert.
func TestAcceptancePagerDutyEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		t0 := epoch
		a := newAcceptance(t, db, t0, nil)
		a.rules("ada", a.contact("ada", warroom.ContactEmail, "ada@example.com"), "0s")
		// bob: email at once, Slack 3m later (at 8m, were he not acknowledged).
		a.rules("bob", a.contact("bob", warroom.ContactEmail, "bob@example.com"), "0s",
			a.contact("bob", warroom.ContactSlack, "U0BOB0001"), "3m")
		a.rules("carol", a.contact("carol", warroom.ContactEmail, "carol@example.com"), "0s")
		pol := a.policy("checkout-primary", "5m", 0, "ada", "bob", "carol")
		a.servicePaging(pol.Name, map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"})
		in := a.integration(warroom.IntegrationPagerDuty, "grafana")
		if in.URL != a.srv.URL+"/v2/enqueue" || len(in.Key) != 32 {
			t.Fatalf("integration %+v", in)
		}

		client := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(a.srv.URL))
		client.SetDebugFlag(pagerduty.DebugCaptureLastResponse)
		ctx := context.Background()
		event := func(action, dedupKey string) *pagerduty.V2EventResponse {
			t.Helper()
			ev := &pagerduty.V2Event{RoutingKey: in.Key, Action: action, DedupKey: dedupKey}
			if action == "trigger" {
				ev.Payload = &pagerduty.V2Payload{Summary: "Checkout DB primary unreachable", Source: "db-checkout-1",
					Severity: "critical", Component: "postgres"}
			}
			res, err := client.ManageEventWithContext(ctx, ev)
			if err != nil {
				t.Fatalf("%s: %v", action, err)
			}
			if last, ok := client.LastAPIResponse(); !ok || last.StatusCode != http.StatusAccepted {
				t.Fatalf("%s: status %v, want 202", action, last)
			}
			if res.Status != "success" || res.Message != "Event processed" || res.DedupKey == "" || (dedupKey != "" && res.DedupKey != dedupKey) {
				t.Fatalf("%s: answer %+v", action, res)
			}
			return res
		}
		const subject = "[CRITICAL] INC-1: Checkout DB primary unreachable"

		// Trigger without a dedup_key: warroom gives one.
		key := event("trigger", "").DedupKey
		if _, err := hex.DecodeString(key); err != nil || len(key) != 32 {
			t.Fatalf("dedup_key %q, want 32 hex digits", key)
		}
		a.tick()
		al := a.alertBy("pagerduty", key)
		if al.Status != warroom.AlertFiring || al.Severity != "critical" || al.IncidentID == "" {
			t.Fatalf("alert %+v", al)
		}
		inc := a.incident("INC-1").Incident
		if inc.ID != al.IncidentID || inc.Severity != warroom.SEV2 {
			t.Fatalf("incident %+v", inc)
		}
		mark := a.wantSent("trigger", 0, "0s email ada@example.com page "+subject)

		// The same dedup_key again, unchanged: a duplicate, no page.
		a.at(time.Minute)
		event("trigger", key)
		a.tick()
		got := ok[warroom.Alert](t, a.do("vic", "GET", "/api/v1/alerts/"+al.ID, nil), 200)
		if want := fmt.Sprintf("same dedup key %q already firing since 2025-03-01T10:00:00Z", key); got.Duplicates != 1 ||
			got.DuplicateReason != want || got.Status != warroom.AlertFiring {
			t.Fatalf("after the second trigger: duplicates %d reason %q, want 1 %q", got.Duplicates, got.DuplicateReason, want)
		}
		if n := len(a.alerts("service=checkout")); n != 1 {
			t.Fatalf("%d alerts, want 1", n)
		}
		mark = a.wantSent("duplicate", mark)

		// Nobody acknowledges: step 2 is due 5m after step 1, not a
		// second earlier.
		a.runUntil(5*time.Minute-time.Second, time.Minute)
		mark = a.wantSent("4m59s", mark)
		a.at(5 * time.Minute)
		mark = a.wantSent("step 2", mark, "5m0s email bob@example.com page "+subject)
		if got := a.alert(al.ID); got.Status != warroom.AlertFiring || got.AcknowledgedAt != nil {
			t.Fatalf("before the acknowledge: %+v", got)
		}

		// The source acknowledges: the alert is, and its escalation stops:
		// bob's Slack page (due at 8m) is cancelled, step 3 (carol, due
		// at 10m) never comes, nor does anything else in the next half
		// hour. The incident is not acknowledged: MTTA measures people,
		// and the event names nobody.
		a.at(6 * time.Minute)
		event("acknowledge", key)
		a.tick()
		got = *a.alert(al.ID)
		if got.Status != warroom.AlertAcknowledged {
			t.Fatalf("after acknowledge: %+v", got)
		}
		wantTime(t, "alert acknowledged_at", got.AcknowledgedAt, t0.Add(6*time.Minute))
		a.runUntil(36*time.Minute, time.Minute)
		mark = a.wantSent("30 minutes after the acknowledge", mark)
		if inc := a.incident("INC-1").Incident; inc.AcknowledgedAt != nil {
			t.Fatalf("the source's ack acknowledged the incident at %v", inc.AcknowledgedAt)
		}

		// The source resolves.
		a.at(37 * time.Minute)
		event("resolve", key)
		a.tick()
		got = *a.alert(al.ID)
		if got.Status != warroom.AlertResolved || got.Summary != "Checkout DB primary unreachable" {
			t.Fatalf("after resolve: %+v", got)
		}
		wantTime(t, "alert resolved_at", got.ResolvedAt, t0.Add(37*time.Minute))
		a.wantSent("resolve", mark)
		wantLines(t, "alert messages", a.messages("/api/v1/alerts/"+al.ID+"/messages"),
			"page email ada@example.com sent due=0s attempts=1 [sent@0s]",
			"page email bob@example.com sent due=5m0s attempts=1 [sent@5m0s]",
			"page slack U0BOB0001 failed due=8m0s attempts=0 [cancelled@8m0s: not sent: alert acknowledged]")
		wantLines(t, "INC-1 system notes", a.systemNotes("INC-1"),
			fmt.Sprintf("Declared by warroom for alert %q (critical, %s): the service's rules declare a SEV2 incident for critical alerts or worse.", got.Summary, al.ID),
			`Paged @ada for the alert (step 1 of 3, round 1 of 1 of escalation policy "checkout-primary"). Next step at 2025-03-01T10:05:00Z unless acknowledged.`,
			`Paged @bob for the alert (step 2 of 3, round 1 of 1 of escalation policy "checkout-primary"). Next step at 2025-03-01T10:10:00Z unless acknowledged.`,
			fmt.Sprintf("Alert %q (%s) was acknowledged; paging for it stops.", got.Summary, al.ID),
			// At 10m the incident still has no IC (the source's ack names
			// nobody, so there is no first responder either).
			"First responder protocol: no Incident Commander 10m after the announcement and service is not recovered. "+
				"No IC escalation policy is configured, so nobody is paged for it. Nobody has acknowledged yet, so there is "+
				"no first responder to tell: "+warroom.FirstResponderInstruction(warroom.DefaultPolicy()),
			"The alert of this incident has resolved. The incident stays open: closing it is for its responders to decide.")
	})
}

// TestAcceptancePagerDutyOnlyURLChanged: a tool that pages PagerDuty
// switches to warroom by changing only the URL. An admin creates the
// integration through the API with the routing key the captured
// Alertmanager pagerduty_configs uses; PagerDuty's own Go client, pointed
// at warroom instead of PagerDuty, then sends the captured events
// unchanged, routing key included: they are accepted and page.
func TestAcceptancePagerDutyOnlyURLChanged(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		t0 := time.Date(2026, 11, 22, 0, 9, 0, 0, time.UTC)
		a := newAcceptance(t, db, t0, nil)
		a.rules("ada", a.contact("ada", warroom.ContactEmail, "ada@example.com"), "0s")
		pol := a.policy("checkout-primary", "5m", 0, "ada")
		a.servicePaging(pol.Name, map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV1"})

		// The captured events, decoded into the client's own type: 003
		// triggers the checkout group, 009 resolves it.
		captured := func(name string) *pagerduty.V2Event {
			t.Helper()
			body, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			var ev pagerduty.V2Event
			if err := dec.Decode(&ev); err != nil {
				t.Fatalf("fixture %s: %v", name, err)
			}
			return &ev
		}
		trigger, resolve := captured("003-pagerduty-v2"), captured("009-pagerduty-v2")
		routingKey := trigger.RoutingKey
		if len(routingKey) != 32 || resolve.RoutingKey != routingKey || trigger.DedupKey != resolve.DedupKey {
			t.Fatalf("fixtures: routing keys %q / %q, dedup keys %q / %q", routingKey, resolve.RoutingKey, trigger.DedupKey, resolve.DedupKey)
		}

		// The only change on the sender's side: the Events API URL.
		client := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(a.srv.URL))
		client.SetDebugFlag(pagerduty.DebugCaptureLastResponse)
		ctx := context.Background()
		send := func(ev *pagerduty.V2Event) (*pagerduty.V2EventResponse, error) {
			t.Helper()
			res, err := client.ManageEventWithContext(ctx, ev)
			last, ok := client.LastAPIResponse()
			if !ok {
				t.Fatalf("%s: no response", ev.Action)
			}
			if err == nil && last.StatusCode != http.StatusAccepted {
				t.Fatalf("%s: status %d, want 202", ev.Action, last.StatusCode)
			}
			return res, err
		}

		// Before warroom knows the key, the event is refused as PagerDuty
		// refuses an unknown one.
		if _, err := send(trigger); err == nil {
			t.Fatal("an unknown routing key was accepted")
		} else if last, _ := client.LastAPIResponse(); last.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown routing key: status %d, want 400 (%v)", last.StatusCode, err)
		}

		in := ok[newIntegration](t, a.do("root", "POST", "/api/v1/services/checkout/integrations",
			map[string]string{"kind": "pagerduty", "name": "alertmanager-pagerduty", "key": routingKey}), http.StatusCreated)
		if in.Key != routingKey || in.URL != a.srv.URL+"/v2/enqueue" || in.Integration.Kind != warroom.IntegrationPagerDuty {
			t.Fatalf("integration %+v", in)
		}

		res, err := send(trigger)
		if err != nil || res.Status != "success" || res.Message != "Event processed" || res.DedupKey != trigger.DedupKey {
			t.Fatalf("trigger: %+v, %v", res, err)
		}
		a.tick()
		al := a.alertBy("pagerduty", trigger.DedupKey)
		if al.Status != warroom.AlertFiring || al.Severity != "critical" || al.IntegrationID != in.Integration.ID ||
			al.Summary != trigger.Payload.Summary || al.IncidentID == "" {
			t.Fatalf("alert %+v", al)
		}
		a.wantSent("trigger", 0, "0s email ada@example.com page [CRITICAL] INC-1: "+trigger.Payload.Summary)

		a.at(time.Minute)
		if res, err = send(resolve); err != nil || res.Status != "success" || res.DedupKey != resolve.DedupKey {
			t.Fatalf("resolve: %+v, %v", res, err)
		}
		a.tick()
		if got := a.alert(al.ID); got.Status != warroom.AlertResolved {
			t.Fatalf("after resolve: %+v", got)
		}
		wantTime(t, "alert resolved_at", a.alert(al.ID).ResolvedAt, t0.Add(time.Minute))
	})
}

// TestAcceptanceFirstResponderTenMinutes: a declared incident is
// announced with its bridge link, description and first responder; with
// no Incident Commander 10 minutes later the IC escalation policy is paged
// and the first responder told to halt; with an IC by then, nothing.
func TestAcceptanceFirstResponderTenMinutes(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		t0 := epoch
		a := newAcceptance(t, db, t0, func(c *paging.Config) {
			c.ICEscalationPolicy = "ic-leads"
			c.Announce = []paging.Destination{{Channel: notify.ChannelSlack, Address: "C0INCIDENTS"},
				{Channel: notify.ChannelEmail, Address: "incidents@example.com"}}
		})
		a.rules("ada", a.contact("ada", warroom.ContactEmail, "ada@example.com"), "0s")
		a.rules("carol", a.contact("carol", warroom.ContactSlack, "U0CAROL01"), "0s")
		a.policy("ic-leads", "5m", 0, "carol")

		res := ok[warroom.CommandResult](t, a.do("ada", "POST", "/api/v1/incidents", map[string]any{"title": "Checkout pages time out",
			"summary": "Checkout p99 above 5s; orders are failing.", "severity": "SEV3"}), http.StatusCreated)
		inc := res.Incident
		if inc.Ref != "INC-1" || inc.FirstResponderID != a.users["ada"].ID || inc.BridgeURL != "https://meet.example.com/warroom-INC-1" {
			t.Fatalf("declared %+v", inc)
		}
		a.tick()
		announced := "INC-1 declared (SEV3): Checkout pages time out"
		mark := a.wantSent("announcement", 0, "0s slack C0INCIDENTS announcement "+announced,
			"0s email incidents@example.com announcement "+announced)
		wantFields := []notify.Field{{Name: "Bridge", Value: "https://meet.example.com/warroom-INC-1"},
			{Name: "First responder", Value: "@ada"}, {Name: "Severity", Value: "SEV3"}}
		for _, d := range a.out.all() {
			if d.Msg.Text != "Checkout p99 above 5s; orders are failing." || !slices.Equal(d.Msg.Fields, wantFields) || d.Msg.IncidentID != inc.ID {
				t.Fatalf("announcement to %s: %+v", d.To, d.Msg)
			}
		}

		a.at(9*time.Minute + 59*time.Second)
		mark = a.wantSent("9m59s", mark)

		// 10m, no IC: the IC policy's carol is paged, ada (first
		// responder) told to halt, the announcement channels hear it.
		a.at(10 * time.Minute)
		noIC := "INC-1 has no Incident Commander after 10m"
		a.wantSent("10m", mark,
			"10m0s slack U0CAROL01 page INC-1 needs an Incident Commander: Checkout pages time out",
			"10m0s email ada@example.com update INC-1: halt technical work and pick an Incident Commander",
			"10m0s slack C0INCIDENTS update "+noIC,
			"10m0s email incidents@example.com update "+noIC)
		instruction := warroom.FirstResponderInstruction(warroom.DefaultPolicy())
		var icPage, halt notify.Message
		for _, d := range a.out.all()[mark:] {
			switch d.To {
			case "U0CAROL01":
				icPage = d.Msg
			case "ada@example.com":
				halt = d.Msg
			}
		}
		if halt.Text != instruction || halt.IncidentID != inc.ID {
			t.Fatalf("the first responder was told %+v", halt)
		}
		wantLines(t, "INC-1 system notes", a.systemNotes("INC-1"),
			"Announced (bridge link, short description, first responder's handle) to: Slack channel C0INCIDENTS, incidents@example.com.",
			"First responder protocol: no Incident Commander 10m after the announcement and service is not recovered. "+
				`Paging escalation policy "ic-leads" for an Incident Commander. @ada (first responder) was told: `+instruction,
			`Paged @carol for an Incident Commander (step 1 of 1, round 1 of 1 of escalation policy "ic-leads"). This was the last step: paging stops here unless someone acknowledges.`)

		wantLines(t, "INC-1 messages", a.messages("/api/v1/incidents/INC-1/messages"),
			"announcement slack C0INCIDENTS sent due=0s attempts=1 [sent@0s]",
			"announcement email incidents@example.com sent due=0s attempts=1 [sent@0s]",
			"page slack U0CAROL01 sent due=10m0s attempts=1 [sent@10m0s]",
			"update email ada@example.com sent due=10m0s attempts=1 [sent@10m0s]",
			"update slack C0INCIDENTS sent due=10m0s attempts=1 [sent@10m0s]",
			"update email incidents@example.com sent due=10m0s attempts=1 [sent@10m0s]")

		// carol answers her page with its one-click link: she is IC.
		if r := a.do("", "POST", "/ack/"+ackToken(t, icPage.AckURL), nil); r.Status != 200 ||
			!strings.Contains(string(r.Body), "you are the Incident Commander of INC-1") {
			t.Fatalf("IC page ack: %s", r)
		}
		if ic := a.incident("INC-1").Incident.Holder(warroom.RoleIncidentCommander); ic != a.users["carol"].ID {
			t.Fatalf("IC %q, want carol", ic)
		}

		// A second incident whose first responder names an IC at 5m: at
		// 10m nothing happens.
		a.at(11 * time.Minute)
		mark = len(a.out.all())
		second := ok[warroom.CommandResult](t, a.do("bob", "POST", "/api/v1/incidents", map[string]any{"title": "Search results stale",
			"severity": "SEV3"}), http.StatusCreated).Incident
		if second.Ref != "INC-2" {
			t.Fatalf("second incident %+v", second)
		}
		a.tick()
		mark = a.wantSent("INC-2 announcement", mark, "11m0s slack C0INCIDENTS announcement INC-2 declared (SEV3): Search results stale",
			"11m0s email incidents@example.com announcement INC-2 declared (SEV3): Search results stale")
		a.at(16 * time.Minute)
		ok[warroom.CommandResult](t, a.do("bob", "POST", "/api/v1/incidents/INC-2/roles",
			map[string]string{"role": string(warroom.RoleIncidentCommander), "user": "carol"}), 200)
		a.runUntil(30*time.Minute, time.Minute)
		a.wantSent("INC-2 with an IC", mark)
		for _, n := range a.systemNotes("INC-2") {
			if strings.Contains(n, "Incident Commander") {
				t.Fatalf("INC-2 has an IC, yet: %s", n)
			}
		}
	})
}

// TestAcceptanceThrottle: a destination throttle delays a burst of pages;
// the delayed page says why in the incident's messages and goes out once
// the window allows.
func TestAcceptanceThrottle(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		t0 := epoch
		a := newAcceptance(t, db, t0, func(c *paging.Config) {
			c.Throttles = map[string]notify.Throttle{notify.ChannelEmail: {Windows: []notify.Window{
				{Count: 2, Per: time.Minute}, {Count: 3, Per: time.Hour}}}}
			// One incident per alert, as many as the throttle needs: not
			// the alert incident limit's test.
			c.Policy = warroom.DefaultPolicy()
			c.Policy.AlertIncidentLimit = warroom.AlertIncidentLimit{}
		})
		a.rules("ada", a.contact("ada", warroom.ContactEmail, "ada@example.com"), "0s")
		pol := a.policy("ada-only", "5m", 0, "ada")
		a.servicePaging(pol.Name, map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV3"})
		in := a.integration(warroom.IntegrationWebhook, "scripts")
		fire := func(key string) {
			t.Helper()
			if r := a.post("/api/v1/integrations/webhook/"+in.Key, `{"dedup_key":"`+key+`","title":"Disk full on `+key+`","severity":"critical"}`); r.Status != 202 {
				t.Fatalf("fire %s: %s", key, r)
			}
			a.runJobs()
		}

		// A burst: three incidents in three seconds each page ada by email;
		// the senders see them together.
		fire("db1")
		a.clock.Advance(time.Second)
		fire("db2")
		a.clock.Advance(time.Second)
		fire("db3")
		a.tick()
		mark := a.wantSent("burst", 0, "2s email ada@example.com page [CRITICAL] INC-1: Disk full on db1",
			"2s email ada@example.com page [CRITICAL] INC-2: Disk full on db2")
		reason := "throttled: 2 per 1m to this destination; next send at 2025-03-01T10:01:02Z"
		wantLines(t, "INC-3 messages", a.messages("/api/v1/incidents/INC-3/messages"),
			"page email ada@example.com pending due=1m2s attempts=0 throttle="+reason+" [throttled@2s: "+reason+"]")

		a.at(time.Minute + time.Second)
		mark = a.wantSent("1m1s", mark)
		a.at(time.Minute + 2*time.Second)
		mark = a.wantSent("1m2s", mark, "1m2s email ada@example.com page [CRITICAL] INC-3: Disk full on db3")
		wantLines(t, "INC-3 messages", a.messages("/api/v1/incidents/INC-3/messages"),
			"page email ada@example.com sent due=1m2s attempts=1 [throttled@2s: "+reason+"; sent@1m2s]")

		// A fourth page within the hour meets the long window.
		a.at(2 * time.Minute)
		fire("db4")
		a.tick()
		mark = a.wantSent("2m", mark)
		reason = "throttled: 3 per 1h to this destination; next send at 2025-03-01T11:00:02Z"
		wantLines(t, "INC-4 messages", a.messages("/api/v1/incidents/INC-4/messages"),
			"page email ada@example.com pending due=1h0m2s attempts=0 throttle="+reason+" [throttled@2m0s: "+reason+"]")
		a.at(time.Hour + time.Second)
		mark = a.wantSent("1h0m1s", mark)
		a.at(time.Hour + 2*time.Second)
		a.wantSent("1h0m2s", mark, "1h0m2s email ada@example.com page [CRITICAL] INC-4: Disk full on db4")
	})
}

// TestAlertLinkUsesInjectedClock: when routing links an alert to the
// incident it declared, the alert's updated_at is the process clock's time
// (UpdateAlert takes the time of the change), never the wall clock.
func TestAlertLinkUsesInjectedClock(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAcceptance(t, "sqlite", t0, nil)
	in := a.integration(warroom.IntegrationWebhook, "scripts")
	if r := a.post("/api/v1/integrations/webhook/"+in.Key, `{"dedup_key":"k","title":"Disk full","severity":"critical"}`); r.Status != 202 {
		t.Fatal(r)
	}
	a.at(time.Minute) // the route job runs at t0+1m: declares, links
	al := a.alertBy("webhook", "k")
	if al.IncidentID == "" {
		t.Fatal("not routed")
	}
	if !al.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("updated_at after routing = %v, want the process clock's %v (created_at %v)", al.UpdatedAt, t0.Add(time.Minute), al.CreatedAt)
	}
}
