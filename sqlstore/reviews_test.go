package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestReviewStore: holiday calendars replaced by name; a review and its
// timeline event stored in one transaction, a refused decision storing
// neither, an idempotent replay returning the stored review (both
// databases).
func TestReviewStore(t *testing.T) {
	runStoreTests(t, []storeTest{{"CalendarsAndReviews", testReviewStore}})
}

func testReviewStore(t *testing.T, s *Store) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	if _, err := s.FindHolidayCalendar(ctx, "de-bw"); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("missing calendar: %v", err)
	}
	xmas, _ := warroom.ParseDate("2026-12-25")
	c := &warroom.HolidayCalendar{Name: "de-bw", Teams: []string{"t1"}, Holidays: []warroom.Holiday{{Date: xmas, Name: "Weihnachten"}}, ImportedAt: now}
	if err := s.PutHolidayCalendar(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Teams, c.ImportedAt = nil, now.Add(time.Hour)
	if err := s.PutHolidayCalendar(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.PutHolidayCalendar(ctx, &warroom.HolidayCalendar{Name: "us", ImportedAt: now}); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindHolidayCalendar(ctx, "de-bw")
	if err != nil || len(got.Teams) != 0 || len(got.Holidays) != 1 || got.Holidays[0].Date != xmas || got.Holidays[0].Name != "Weihnachten" || !got.ImportedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("calendar = %+v, %v", got, err)
	}
	list, err := s.ListHolidayCalendars(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "de-bw" || list[1].Name != "us" || list[1].Holidays == nil {
		t.Fatalf("list = %+v, %v", list, err)
	}

	inc := declareFor(t, s, now)
	decide := func(cur *warroom.PostmortemReview) func(*warroom.Incident, *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error) {
		return func(i *warroom.Incident, c *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error) {
			if (c == nil) != (cur == nil) {
				t.Errorf("decide got review %+v", c)
			}
			r := &warroom.PostmortemReview{IncidentID: i.ID, Ref: i.Ref, DueAt: now.Add(72 * time.Hour), UpdatedAt: now, Sequence: 1}
			if c != nil {
				r.Sequence = c.Sequence + 1
			}
			return r, []warroom.Event{{IncidentID: i.ID, Seq: i.Version + 1, Type: warroom.EventReviewScheduled, At: now, Text: "scheduled"}}, nil
		}
	}
	idem := warroom.Idempotency{UserID: "u1", Key: "k1", RequestHash: "h"}
	r, err := s.RecordReview(ctx, inc.Ref, idem, decide(nil))
	if err != nil || r.Sequence != 1 {
		t.Fatalf("first = %+v, %v", r, err)
	}
	again, err := s.RecordReview(ctx, inc.Ref, idem, decide(nil))
	if err != nil || again.Sequence != 1 {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	r, err = s.RecordReview(ctx, inc.ID, warroom.Idempotency{}, decide(r))
	if err != nil || r.Sequence != 2 {
		t.Fatalf("second = %+v, %v", r, err)
	}
	refused := errors.New("no")
	if _, err := s.RecordReview(ctx, inc.ID, warroom.Idempotency{}, func(*warroom.Incident, *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error) {
		return nil, nil, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("refused: %v", err)
	}
	stored, err := s.FindReview(ctx, inc.ID)
	if err != nil || stored.Sequence != 2 || !stored.DueAt.Equal(now.Add(72*time.Hour)) {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	events, err := s.Timeline(ctx, inc.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Type == warroom.EventReviewScheduled {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d pmr.scheduled events, want 2 (one per stored change, none for the replay or the refusal)", n)
	}
	if _, err := s.RecordReview(ctx, "INC-999", warroom.Idempotency{}, decide(nil)); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Errorf("unknown incident: %v", err)
	}
}

// declareFor declares an incident with no user.
func declareFor(t *testing.T, s *Store, now time.Time) *warroom.Incident {
	t.Helper()
	res, err := s.DeclareIncident(context.Background(), warroom.Idempotency{}, func(n int64) ([]warroom.Event, error) {
		return warroom.Declare("inc-review", warroom.Declaration{Number: n, Title: "db down", Severity: warroom.SEV2}, warroom.Actor{Role: warroom.AccountAdmin}, now, warroom.DefaultPolicy())
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Incident
}
