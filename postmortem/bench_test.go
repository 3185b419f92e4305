package postmortem

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// BenchmarkExport exports, through the service, the postmortem of an
// incident with 10,000 timeline entries on SQLite: reading the incident,
// its postmortem, items, timeline and people, and rendering the Markdown.
// The target is under 200 ms (docs/postmortems.md has the figure).
func BenchmarkExport(b *testing.B) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	u := &warroom.User{Handle: "ada", Name: "Ada", Email: "ada@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	incs := &warroom.Incidents{Store: st, Now: func() time.Time { return now }, Policy: warroom.DefaultPolicy(), NewID: newID}
	res, err := incs.Declare(ctx, u.Actor(), warroom.Declaration{Title: "checkout down", Severity: warroom.SEV2}, warroom.Idempotency{})
	if err != nil {
		b.Fatal(err)
	}
	const entries, batch = 10000, 500
	for done := 0; done < entries; done += batch {
		_, err := st.UpdateIncident(ctx, res.Incident.ID, warroom.Idempotency{}, func(inc *warroom.Incident) ([]warroom.Event, error) {
			evs := make([]warroom.Event, batch)
			for i := range evs {
				evs[i] = warroom.Event{IncidentID: inc.ID, Seq: inc.Version + int64(i) + 1, Type: warroom.EntryNote, At: now.Add(time.Duration(done+i) * time.Second),
					ActorID: u.ID, Text: fmt.Sprintf("note %d: checked the dashboards; error rate still 12%% on the edge proxies", done+i)}
			}
			return evs, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	svc, err := New(Config{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.EditSection(ctx, u.Actor(), res.Incident.Ref, warroom.SectionRootCauses, SectionInput{Text: "a pool limit"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		md, err := svc.Export(ctx, u.Actor(), res.Incident.Ref)
		if err != nil || !strings.Contains(md, "note 9999:") {
			b.Fatalf("export: %v", err)
		}
	}
}
