package warroom_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// longRun is a recovered incident with n notes on its timeline, every
// hundredth starred.
func longRun(t testing.TB, n int) *longIncident {
	p := warroom.DefaultPolicy()
	evs, err := warroom.Declare("inc-1", decl(), ada, at(0), p)
	if err != nil {
		t.Fatal(err)
	}
	r := &longIncident{inc: &warroom.Incident{}, p: p}
	r.apply(evs)
	for i := 0; i < n; i++ {
		evs, err := warroom.Decide(r.inc, bob, warroom.AddEntry{Type: warroom.EntryNote, Text: fmt.Sprintf("note %d: checked the dashboards", i)},
			at(time.Duration(i)*time.Second), r.p)
		if err != nil {
			t.Fatal(err)
		}
		r.apply(evs)
		if i%100 == 0 {
			evs, err = warroom.Decide(r.inc, bob, warroom.Star{Ref: evs[0].Seq, Starred: true}, at(time.Duration(i)*time.Second), r.p)
			if err != nil {
				t.Fatal(err)
			}
			r.apply(evs)
		}
	}
	evs, err = warroom.Decide(r.inc, ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(time.Duration(n)*time.Second), r.p)
	if err != nil {
		t.Fatal(err)
	}
	r.apply(evs)
	return r
}

type longIncident struct {
	inc    *warroom.Incident
	p      warroom.Policy
	events []warroom.Event
}

func (r *longIncident) apply(evs []warroom.Event) {
	for i := range evs {
		if err := r.inc.Apply(&evs[i]); err != nil {
			panic(err)
		}
		r.events = append(r.events, evs[i])
	}
}

// TestExportMarkdown: the six items, questionnaire and lessons in order,
// the action items as a table, roles, stage times, durations, starred
// entries before the whole timeline.
func TestExportMarkdown(t *testing.T) {
	r := longRun(t, 250)
	pm := completePM(t, r.inc)
	var b strings.Builder
	items := []*warroom.ActionItem{item(1)}
	items[0].TicketKey, items[0].TicketURL, items[0].Title = "SRE-1", "https://tracker.test/SRE-1", "alert | disk"
	if err := warroom.ExportMarkdown(&b, r.inc, pm, items, r.events, handle, at(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	order := []string{"# Postmortem: INC-7 Checkout API returns 500s", "## Summary\n\ntext of summary", "## Impact",
		"### Customers affected", "### Duration\n\n4m 10s of impact", "### Financial impact", "## Root causes", "### Contributing factors\n\n_(not written yet)_",
		"## Resolution", "## Detection", "### Did monitoring catch it before a customer did? (yes/no)\n\nyes",
		"## Action items", `| 1 | alert \| disk | @bob | high | 2025-03-20 | improve_monitoring | open | [SRE-1](https://tracker.test/SRE-1) |`,
		"## Questionnaire", "### How can we protect ourselves better", "## Lessons", "### Where we got lucky",
		"## Roles", "- Incident Owner: @ada", "## Stages and durations", "- recovered: 2025-03-10T09:04:10Z", "- time to recover (from impact start): 4m 10s",
		"## Key moments (starred)", "note 0: checked", "note 200: checked", "## Timeline", "@ada declared SEV3", "note 1: checked", "note 249: checked"}
	pos := 0
	for _, want := range order {
		i := strings.Index(md[pos:], want)
		if i < 0 {
			t.Fatalf("export lacks %q after offset %d:\n%s", want, pos, md[:min(len(md), 3000)])
		}
		pos += i
	}
	if strings.Count(md, "note 1: checked") != 1 || strings.Count(md, "note 100: checked") != 2 {
		t.Error("starred entries appear twice, others once")
	}
}

// BenchmarkExportMarkdown: a postmortem whose incident has 10,000
// timeline entries (docs/postmortems.md has the figure; the target is
// under 200 ms).
func BenchmarkExportMarkdown(b *testing.B) {
	r := longRun(b, 10000)
	pm := warroom.NewPostmortem(r.inc.ID)
	items := []*warroom.ActionItem{item(1), item(2)}
	b.ResetTimer()
	for b.Loop() {
		if err := warroom.ExportMarkdown(io.Discard, r.inc, pm, items, r.events, handle, at(5*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
