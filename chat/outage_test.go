package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
)

// Slack down for 10 minutes of process time: declaring and running the
// incident are unaffected; afterwards the channel exists and every post
// arrives once, in timeline order.
func TestSlackOutageNeverBlocksAndCatchesUp(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.fake.SetDown(true)
		start := e.clock.Now()
		inc := e.declare("ada", warroom.Declaration{Title: "disk full", Severity: "SEV3"})
		var notes []string
		for e.clock.Now().Sub(start) < 10*time.Minute {
			e.run()
			if e.clock.Now().Sub(start)%(2*time.Minute) == 0 {
				n := "note at " + e.clock.Now().Format("15:04:05")
				notes = append(notes, n)
				e.exec("ada", inc, warroom.AddEntry{Type: warroom.EntryNote, Text: n})
			}
			e.clock.Advance(10 * time.Second)
		}
		if e.fake.Channel("inc1") != nil {
			t.Fatal("a channel was made while Slack was down")
		}
		st, err := chat.Status(e.ctx, e.store, "slack", mustFind(t, e, inc.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.LastError == "" || st.Attempts == 0 || st.RetryAt == nil || st.Pending < len(notes)+1 {
			t.Fatalf("state during the outage: %+v (want the error, attempts, next retry, %d+ pending)", st, len(notes)+1)
		}
		e.fake.SetDown(false)
		for range 60 { // the engine's backoff is at most 5 minutes
			e.clock.Advance(10 * time.Second)
			e.run()
		}
		ch := e.fake.Channel("inc1")
		if ch == nil {
			t.Fatal("no channel after the outage")
		}
		assertOrder(t, ch, append([]string{"declared SEV3"}, notes...))
		for _, m := range ch.Messages { // late, but stamped with the event's time
			if at, ok := strings.CutPrefix(m.Text[strings.Index(m.Text, "] ")+2:], "@ada: note at "); ok && !strings.Contains(m.Text, " "+at+"Z] ") {
				t.Errorf("post %q is not stamped with its event's time", m.Text)
			}
		}
		if st.Attempts > 12 {
			t.Errorf("%d attempts in 10 minutes: the retries of an incident's jobs should collapse into one", st.Attempts)
		}
		st, _ = chat.Status(e.ctx, e.store, "slack", mustFind(t, e, inc.ID), nil)
		if st.Pending != 0 || st.LastError != "" {
			t.Fatalf("state after the outage: %+v", st)
		}
	})
}

// A 429 with Retry-After: nothing is tried before Slack said, and the
// work goes on at that moment.
func TestRateLimitHonoursRetryAfter(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.fake.RateLimit(1, 30)
		e.declare("ada", warroom.Declaration{Title: "slow", Severity: "SEV4"})
		e.run()
		calls := len(e.fake.Calls())
		if calls != 1 {
			t.Fatalf("%d calls, want only the limited one", calls)
		}
		e.clock.Advance(29 * time.Second)
		e.run()
		if n := len(e.fake.Calls()); n != calls {
			t.Fatalf("called Slack %d times before Retry-After passed", n-calls)
		}
		e.clock.Advance(time.Second)
		e.run()
		if ch := e.fake.Channel("inc1"); ch == nil || len(ch.Messages) == 0 || !strings.Contains(ch.Messages[0].Text, "declared SEV4") {
			t.Fatalf("after Retry-After: %+v", ch)
		}
	})
}

// A taken name gets a suffix; a private incident gets a private channel
// and no announcement.
func TestTakenNameAndPrivateIncident(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.fake.AddChannel("COLD", "inc1")
		e.fake.AddChannel("COLD2", "inc1-2")
		e.declare("ada", warroom.Declaration{Title: "secret", Severity: "SEV2", Private: true})
		e.run()
		ch := e.fake.Channel("inc1-3")
		if ch == nil || !ch.Private {
			t.Fatalf("channel %+v, want private inc1-3", ch)
		}
		if n := len(e.fake.ChannelByID(announceChannel).Messages); n != 0 {
			t.Fatalf("private incident announced %d times", n)
		}
		var taken int
		for _, c := range e.fake.Calls() {
			if c.Error == "name_taken" {
				taken++
			}
		}
		if taken != 2 {
			t.Fatalf("%d name_taken answers, want 2", taken)
		}
	})
}

func TestChannelNames(t *testing.T) {
	tmpl, err := chat.ParseChannelTemplate(chat.DefaultChannelTemplate)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d    chat.NameData
		want string
	}{
		{chat.NameData{Number: 42, Cluster: "prod-eu-1"}, "inc42-prod-eu-1"},
		{chat.NameData{Number: 42}, "inc42"},
		{chat.NameData{Number: 7, Cluster: "EU West.1 / Ä"}, "inc7-eu-west-1"},
		{chat.NameData{Number: 7, Cluster: strings.Repeat("x", 100)}, "inc7-" + strings.Repeat("x", 75)},
	} {
		got, err := chat.ChannelName(tmpl, c.d)
		if err != nil || got != c.want {
			t.Errorf("%+v: %q %v, want %q", c.d, got, err, c.want)
		}
	}
	if got := chat.WithSuffix("inc7-"+strings.Repeat("x", 75), 12); len(got) != 80 || !strings.HasSuffix(got, "x-12") {
		t.Errorf("suffix: %q", got)
	}
	for _, bad := range []string{"{{.Nope}}", "{{", "---"} {
		if _, err := chat.ParseChannelTemplate(bad); err == nil {
			t.Errorf("template %q accepted", bad)
		}
	}
}
