package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// UpdateIncidentEnqueuing stores a command's events and messages in one
// transaction: both, claimed as EnqueueClaimedMessages claims them, or
// neither when the command is refused or a message cannot be stored.
func TestUpdateIncidentEnqueuing(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, d.open(t))
			res, err := f.declare(f.ada, warroom.Declaration{Title: "db down", Severity: warroom.SEV3}, warroom.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			inc := res.Incident
			invite := func(inc *warroom.Incident) ([]warroom.Event, error) {
				return warroom.InvitePaged(inc, []string{f.bob.ID}, warroom.ReasonPagedToTakeCommand, f.now, warroom.DefaultPolicy())
			}
			page := func(id string) notify.Outbox {
				return notify.Outbox{Message: notify.Message{ID: id, Kind: notify.KindPage, Channel: notify.ChannelEmail,
					Destination: "bob@example.com", Subject: inc.Ref + " needs an Incident Commander", IncidentID: inc.ID},
					UserID: f.bob.ID, DueAt: f.now}
			}
			timeline := func() int {
				tl, err := f.s.Timeline(f.ctx, inc.ID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				return len(tl)
			}
			before := timeline()

			// Refused command: no message.
			refused := errors.New("refused")
			_, _, err = f.s.UpdateIncidentEnqueuing(f.ctx, inc.ID, func(*warroom.Incident) ([]warroom.Event, error) { return nil, refused },
				[]notify.Outbox{page("m1")}, "proc-1", f.now, time.Minute)
			if !errors.Is(err, refused) || countRows(t, f.s, "messages") != 0 {
				t.Fatalf("refused command: %v, %d messages stored", err, countRows(t, f.s, "messages"))
			}
			// Unstorable message: no event.
			bad := page("m2")
			bad.Subject = ""
			if _, _, err = f.s.UpdateIncidentEnqueuing(f.ctx, inc.ID, invite, []notify.Outbox{page("m1"), bad}, "proc-1", f.now, time.Minute); warroom.ErrorCode(err) != warroom.EInvalid {
				t.Fatalf("unstorable message: %v", err)
			}
			if n := timeline(); n != before || countRows(t, f.s, "messages") != 0 {
				t.Fatalf("after a refused message: %d events (had %d), %d messages", n, before, countRows(t, f.s, "messages"))
			}

			// Both: the invitation and the page, claimed by proc-1.
			later := page("m3")
			later.DueAt = f.now.Add(time.Minute)
			got, claimed, err := f.s.UpdateIncidentEnqueuing(f.ctx, inc.ID, invite, []notify.Outbox{page("m1"), later}, "proc-1", f.now, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Events) != 1 || !got.Incident.IsParticipant(f.bob.ID) || timeline() != before+1 {
				t.Fatalf("events %+v", got.Events)
			}
			wantMessages(t, claimed, "m1")
			if m := mustFind(t, f.s, "m1"); m.State != notify.StateSending {
				t.Errorf("m1 is %s, want sending (claimed)", m.State)
			}
			if m := mustFind(t, f.s, "m3"); m.State != notify.StatePending {
				t.Errorf("m3 is %s, want pending (due later)", m.State)
			}
		})
	}
}
