package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// Every incident command's commit reaches ListenIncidents, after the
// commit, with the version it reached; a refused command announces
// nothing.
func TestListenIncidents(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, d.open(t))
			ctx, cancel := context.WithCancel(f.ctx)
			defer cancel()
			commits, err := f.s.ListenIncidents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			next := func() warroom.IncidentCommit {
				t.Helper()
				select {
				case c := <-commits:
					return c
				case <-time.After(10 * time.Second):
					t.Fatal("no commit announced")
				}
				return warroom.IncidentCommit{}
			}
			res, err := f.declare(f.ada, warroom.Declaration{Title: "announced", Severity: warroom.SEV3}, warroom.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			if c := next(); c.IncidentID != res.Incident.ID || c.Version != res.Incident.Version {
				t.Fatalf("declare announced %+v, want %s v%d", c, res.Incident.ID, res.Incident.Version)
			}
			// The store has it by the time it is announced.
			inc, err := f.s.FindIncident(f.ctx, res.Incident.ID)
			if err != nil || inc.Version != res.Incident.Version {
				t.Fatalf("announced incident not readable: %v", err)
			}
			if _, err := f.exec(f.ada, res.Incident.ID, warroom.Acknowledge{}, warroom.Idempotency{}); err == nil {
				t.Fatal("second acknowledge succeeded")
			}
			r2 := f.mustExec(f.ada, res.Incident.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: "hello"})
			if c := next(); c.Version != r2.Incident.Version {
				t.Fatalf("the refused command was announced, or the note was not: %+v", c)
			}
		})
	}
}
