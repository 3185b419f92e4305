package chat_test

import (
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
	"github.com/warroom/warroom/internal/pmtest"
	"github.com/warroom/warroom/internal/slackfake"
)

func TestIncidentChannelFollowsTheTimeline(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		inc := e.declare("ada", warroom.Declaration{Title: "API errors", Severity: warroom.Severity("SEV2"),
			Summary: "5xx on every call", Impact: warroom.Impact{Cluster: "EU West.1"}})
		e.run()
		ch := e.fake.Channel("inc1-eu-west-1")
		if ch == nil {
			t.Fatalf("no channel inc1-eu-west-1; calls: %+v", e.fake.Calls())
		}
		if !strings.Contains(ch.Topic, "IC: nobody yet") || !strings.Contains(ch.Topic, "Tech Lead: @ada") ||
			!strings.Contains(ch.Topic, "https://meet.example.com/INC-1") {
			t.Errorf("topic %q", ch.Topic)
		}
		if !strings.Contains(ch.Purpose, "API errors") || !strings.Contains(ch.Purpose, "cluster EU West.1") {
			t.Errorf("purpose %q", ch.Purpose)
		}
		if len(ch.Members) != 1 || ch.Members[0] != "UA" {
			t.Errorf("members %v, want the declarer", ch.Members)
		}
		ann := e.fake.ChannelByID(announceChannel)
		if len(ann.Messages) != 1 || !strings.Contains(ann.Messages[0].Blocks, `\u003c#`+ch.ID) ||
			!strings.Contains(ann.Messages[0].Blocks, "meet.example.com") || !strings.Contains(ann.Messages[0].Blocks, "@ada") {
			t.Fatalf("announcement: %+v", ann.Messages)
		}

		e.exec("ada", inc, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: e.users["bob"].ID})
		e.exec("bob", inc, warroom.AddEntry{Type: warroom.EntryDecision, Text: "roll back", Reason: "deploy at 10:02", TradeOff: "lose feature X"})
		hyp := e.exec("ada", inc, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "bad config"})
		e.exec("ada", inc, warroom.UpdateHypothesis{Ref: hyp[0].Seq, Status: warroom.HypothesisConfirmed, Evidence: "diff"})
		e.exec("ada", inc, warroom.AddEntry{Type: warroom.EntryNote, Text: "cache flushed"}) // no more runs between: order must hold
		e.run()
		ch = e.fake.Channel("inc1-eu-west-1")
		if !strings.Contains(ch.Topic, "IC: @bob") {
			t.Errorf("topic after the IC changed: %q", ch.Topic)
		}
		if len(ch.Members) != 2 {
			t.Errorf("members %v: the new IC is invited", ch.Members)
		}
		want := []string{"declared SEV2", "@bob is Incident Commander", "decision: roll back; because deploy at 10:02; trade-off: lose feature X",
			"bad config", "confirmed: diff", "cache flushed"}
		assertOrder(t, ch, want)

		// A major incident closes once its postmortem is published, by its
		// Incident Owner (ada, who declared it).
		pmtest.Publish(t, e.store, inc.ID, e.clock.Now())
		for _, s := range []warroom.Stage{warroom.StageMitigated, warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved, warroom.StageClosed} {
			closer := "bob"
			if s == warroom.StageClosed {
				closer = "ada"
			}
			if _, err := e.inc.Execute(e.ctx, e.actor(closer), inc.ID, warroom.ChangeStage{Stage: s}, warroom.Idempotency{}); err != nil {
				t.Fatalf("stage %s: %v", s, err)
			}
		}
		e.run()
		ch = e.fake.Channel("inc1-eu-west-1")
		if !ch.Archived {
			t.Fatal("closing did not archive the channel")
		}
		st, err := chat.Status(e.ctx, e.store, "slack", mustFind(t, e, inc.ID), []string{announceChannel})
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending != 0 || st.ChannelID != ch.ID || !st.Archived || st.LastError != "" || len(st.Posts) == 0 {
			t.Fatalf("state %+v", st)
		}
		for i := 1; i < len(st.Posts); i++ {
			a, b := st.Posts[i-1], st.Posts[i]
			if a.Seq > b.Seq || a.Seq == b.Seq && a.Step >= b.Step {
				t.Fatalf("posts out of order: %+v then %+v", a, b)
			}
		}
	})
}

func mustFind(t *testing.T, e *env, id string) *warroom.Incident {
	inc, err := e.store.FindIncident(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// assertOrder checks that each of want is in exactly one message, in
// that order.
func assertOrder(t *testing.T, ch *slackfake.Channel, want []string) {
	t.Helper()
	next := 0
	for _, m := range ch.Messages {
		for j, w := range want {
			if strings.Contains(m.Text, w) && j < next {
				t.Fatalf("%q posted again or out of order in %q", w, m.Text)
			}
		}
		if next < len(want) && strings.Contains(m.Text, want[next]) {
			next++
		}
	}
	if next != len(want) {
		var texts []string
		for _, m := range ch.Messages {
			texts = append(texts, m.Text)
		}
		t.Fatalf("missing %q (in order) among:\n%s", want[next], strings.Join(texts, "\n"))
	}
	seen := map[string]bool{}
	for _, m := range ch.Messages {
		if seen[m.Text] {
			t.Fatalf("posted twice: %q", m.Text)
		}
		seen[m.Text] = true
	}
}
