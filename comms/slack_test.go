package comms

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify/slack"
	"github.com/warroom/warroom/oncall"
	"github.com/warroom/warroom/sqlstore"
)

// TestCustomerSlackChannel: a customer update is posted once to the
// customer's shared Slack channel with chat.postMessage, against a local
// server speaking the Slack Web API.
func TestCustomerSlackChannel(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		var mu sync.Mutex
		var posts []map[string]any
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.URL.Path != "/chat.postMessage" || r.Header.Get("Authorization") != "Bearer xoxb-test" {
				http.Error(w, "unexpected", http.StatusBadRequest)
				return
			}
			var m map[string]any
			_ = json.Unmarshal(body, &m)
			mu.Lock()
			posts = append(posts, m)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ok":true,"channel":"C0ACME0001","ts":"1700000000.000100"}`))
		}))
		t.Cleanup(srv.Close)
		api, err := slack.NewAPI(slack.APIConfig{Token: "xoxb-test", BaseURL: srv.URL}, srv.Client(), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, open(t), "", api)
		admin := warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
		if _, err := e.svc.CreateCustomer(e.ctx, admin, CustomerInput{Name: "Acme", SlackChannel: "C0ACME0001"}); err != nil {
			t.Fatal(err)
		}
		inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV3, Impact: warroom.Impact{Customers: []string{"acme"}}})
		if _, err := e.svc.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, UpdateInput{Audience: warroom.AudienceCustomers,
			Subject: "Checkout incident", Body: "We are rolling back."}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.at(0)
		e.at(time.Minute)
		mu.Lock()
		defer mu.Unlock()
		if len(posts) != 1 || posts[0]["channel"] != "C0ACME0001" || !strings.Contains(posts[0]["text"].(string), "We are rolling back.") {
			t.Fatalf("posts %v", posts)
		}
		ds, _ := e.store.ListDeliveries(e.ctx, inc.ID)
		if len(ds) != 1 || ds[0].State != warroom.DeliverySent || ds[0].ProviderID != "1700000000.000100" {
			t.Errorf("delivery %+v", ds)
		}
	})
}

// TestNeedHelpFromPolicy pages whoever the first step of an escalation
// policy names now: a user and the person on call on a schedule.
func TestNeedHelpFromPolicy(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), "")
		start, _ := oncall.ParseLocalTime("2026-12-06T00:00")
		sched := &oncall.Schedule{Name: "db-primary", TimeZone: "UTC", Layers: []oncall.Layer{{Name: "l",
			Start: start, Shift: oncall.Hours(72), Participants: []string{e.users["dee"].ID}}}}
		if err := e.store.CreateSchedule(e.ctx, sched); err != nil {
			t.Fatal(err)
		}
		pol := &warroom.EscalationPolicy{Name: "db", Steps: []warroom.EscalationStep{
			{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: e.users["cy"].ID}, {Type: warroom.TargetSchedule, ID: sched.ID}},
				Delay: warroom.Duration(5 * time.Minute)},
			{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: e.users["bob"].ID}}, Delay: warroom.Duration(5 * time.Minute)}}}
		if err := e.store.CreateEscalationPolicy(e.ctx, pol); err != nil {
			t.Fatal(err)
		}
		inc := e.declare("ada", warroom.Declaration{Title: "replication lag", Severity: warroom.SEV2})
		if _, err := e.svc.RequestHelp(e.ctx, e.actor("ada"), inc.Ref, warroom.RequestHelp{EscalationPolicy: "db", Reason: "need a DBA"},
			warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.at(0)
		for h, want := range map[string]int{"cy": 1, "dee": 1, "bob": 0} {
			if n := count(e.messages(inc.ID, h), "needs your help"); n != want {
				t.Errorf("%s paged %d times, want %d", h, n, want)
			}
		}
		// Nobody of step 1 joined in within its 5 minutes: step 2 is paged,
		// and nobody is paged again after the last step (no repeats).
		e.at(5*time.Minute - time.Second)
		if n := count(e.messages(inc.ID, "bob"), "needs your help"); n != 0 {
			t.Errorf("step 2 paged before step 1's delay")
		}
		e.at(5 * time.Minute)
		e.at(30 * time.Minute)
		for h, want := range map[string]int{"cy": 1, "dee": 1, "bob": 1} {
			if n := count(e.messages(inc.ID, h), "needs your help"); n != want {
				t.Errorf("after step 2: %s paged %d times, want %d", h, n, want)
			}
		}
		tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		if !timelineSays(tl, `Paged for help (nobody answered; escalation policy "db", step 2): @bob.`) {
			t.Errorf("the timeline does not say step 2 was paged: %v", texts(tl))
		}
	})
}

// TestNeedHelpStopsWhenSomeoneJoins: a person paged by step 1 who acts on
// the incident (here a note) answers the call; step 2 is not paged, and the
// timeline says why. A policy that repeats pages its first step again.
func TestNeedHelpStopsWhenSomeoneJoins(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), "")
		two := []warroom.EscalationStep{
			{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: e.users["cy"].ID}}, Delay: warroom.Duration(5 * time.Minute)},
			{Targets: []warroom.Target{{Type: warroom.TargetUser, ID: e.users["bob"].ID}}, Delay: warroom.Duration(5 * time.Minute)}}
		for _, pol := range []*warroom.EscalationPolicy{{Name: "db", Steps: two}, {Name: "db-repeat", Steps: two[:1], Repeat: 1}} {
			if err := e.store.CreateEscalationPolicy(e.ctx, pol); err != nil {
				t.Fatal(err)
			}
		}
		inc := e.declare("ada", warroom.Declaration{Title: "replication lag", Severity: warroom.SEV2})
		if _, err := e.svc.RequestHelp(e.ctx, e.actor("ada"), inc.Ref, warroom.RequestHelp{EscalationPolicy: "db", Reason: "need a DBA"},
			warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.at(0)
		e.at(2 * time.Minute)
		e.exec("cy", inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "looking at the replica now"})
		e.at(5 * time.Minute)
		e.at(20 * time.Minute)
		if n := count(e.messages(inc.ID, "bob"), "needs your help"); n != 0 {
			t.Errorf("step 2 paged although cy joined in")
		}
		tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		if !timelineSays(tl, `@cy answered the call for help (escalation policy "db"): its later steps are not paged.`) {
			t.Errorf("the timeline does not say why step 2 was not paged: %v", texts(tl))
		}

		other := e.declare("ada", warroom.Declaration{Title: "disk full", Severity: warroom.SEV2})
		if _, err := e.svc.RequestHelp(e.ctx, e.actor("ada"), other.Ref, warroom.RequestHelp{EscalationPolicy: "db-repeat", Reason: "need a DBA"},
			warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.at(20 * time.Minute)
		e.at(25 * time.Minute)
		e.at(60 * time.Minute)
		if n := count(e.messages(other.ID, "cy"), "needs your help"); n != 2 {
			t.Errorf("a policy with one repeat paged cy %d times, want 2", n)
		}
	})
}

func timelineSays(tl []warroom.Event, text string) bool {
	for _, ev := range tl {
		if strings.Contains(ev.Text, text) {
			return true
		}
	}
	return false
}

func texts(tl []warroom.Event) []string {
	var out []string
	for _, ev := range tl {
		out = append(out, ev.Text)
	}
	return out
}

// TestCustomerSlackRateLimited: a 429 with Retry-After leaves the
// delivery pending and tries again when Slack said, not before.
func TestCustomerSlackRateLimited(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		var mu sync.Mutex
		calls := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			if n == 1 {
				w.Header().Set("Retry-After", "30")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ok":true,"channel":"C0ACME0001","ts":"1.2"}`))
		}))
		t.Cleanup(srv.Close)
		var e *env
		api, err := slack.NewAPI(slack.APIConfig{Token: "xoxb-test", BaseURL: srv.URL}, srv.Client(), func() time.Time { return e.clock.Now() })
		if err != nil {
			t.Fatal(err)
		}
		e = newEnv(t, open(t), "", api)
		admin := warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
		if _, err := e.svc.CreateCustomer(e.ctx, admin, CustomerInput{Name: "Acme", SlackChannel: "C0ACME0001"}); err != nil {
			t.Fatal(err)
		}
		inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV3, Impact: warroom.Impact{Customers: []string{"Acme"}}})
		if _, err := e.svc.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, UpdateInput{Audience: warroom.AudienceCustomers, Body: "b"}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		state := func() (string, int) {
			ds, _ := e.store.ListDeliveries(e.ctx, inc.ID)
			return ds[0].State, ds[0].Attempts
		}
		e.at(0)
		e.at(29 * time.Second)
		if st, n := state(); st != warroom.DeliveryPending || n != 1 {
			t.Fatalf("before Retry-After: %s after %d attempts", st, n)
		}
		e.at(30 * time.Second)
		if st, n := state(); st != warroom.DeliverySent || n != 2 {
			t.Fatalf("after Retry-After: %s after %d attempts", st, n)
		}
	})
}
