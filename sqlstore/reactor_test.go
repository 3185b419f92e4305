package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// The reactor's jobs are committed with the events that call for them,
// and only then: a refused command or a replayed one schedules nothing.
func TestIncidentReactor(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, d.open(t))
			calls := 0
			f.s.SetIncidentReactor(func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
				calls++
				var jobs []engine.Job
				for _, e := range events {
					jobs = append(jobs, engine.Job{Queue: "default", Kind: string(e.Type), Key: inc.ID + ":" + string(e.Type), DueAt: e.At})
				}
				return jobs
			})
			idem := warroom.Idempotency{UserID: f.ada.ID, Key: "k1", RequestHash: "h"}
			res, err := f.declare(f.ada, warroom.Declaration{Title: "db down", Severity: warroom.SEV3}, idem)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.declare(f.ada, warroom.Declaration{Title: "db down", Severity: warroom.SEV3}, idem); err != nil {
				t.Fatal(err)
			}
			if _, err := f.exec(f.ada, res.Incident.ID, warroom.Acknowledge{}, warroom.Idempotency{}); err == nil {
				t.Fatal("acknowledging twice succeeded")
			}
			f.mustExec(f.ada, res.Incident.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "looking"})
			if calls != 2 {
				t.Errorf("reactor called %d times, want 2 (declare, note)", calls)
			}
			jobs, err := f.s.Claim(f.ctx, "default", "test", f.now.Add(time.Hour), time.Minute, 100)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, j := range jobs {
				kinds[j.Kind]++
			}
			want := map[string]int{string(warroom.EventDeclared): 1, string(warroom.EventAcknowledged): 1,
				string(warroom.EventRoleAssigned): 1, string(warroom.EntryNote): 1}
			if len(kinds) != len(want) {
				t.Fatalf("jobs %v, want %v", kinds, want)
			}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("jobs %v, want %v", kinds, want)
				}
			}

			// A reactor whose jobs cannot be stored fails the command.
			f.s.SetIncidentReactor(func(*warroom.Incident, []warroom.Event) []engine.Job {
				return []engine.Job{{Kind: "no-queue"}}
			})
			_, err = f.exec(f.ada, res.Incident.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "lost"}, warroom.Idempotency{})
			var we *warroom.Error
			if !errors.As(err, &we) {
				t.Fatalf("command with unstorable jobs: %v", err)
			}
			tl, err := f.s.Timeline(f.ctx, res.Incident.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if last := tl[len(tl)-1]; last.Text == "lost" {
				t.Error("the command's events were kept although its jobs were not")
			}
			f.s.SetIncidentReactor(nil)
			f.mustExec(f.ada, res.Incident.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "no reactor"})
		})
	}
}
