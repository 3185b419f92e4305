package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

func TestSchedules(t *testing.T) {
	runPagingTests(t, []pagingTest{{"Schedules", testSchedules}})
}

func testSchedules(t *testing.T, p *pagingFixture) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	sch := &oncall.Schedule{
		Name: "payments", TimeZone: "America/New_York",
		Layers: []oncall.Layer{
			{Name: "base", Start: oncall.LocalTime{Year: 2026, Month: 3, Day: 2, Hour: 9}, Shift: oncall.Days(1),
				Participants: []string{p.ada.ID, p.bob.ID}},
			{Name: "business", Start: oncall.LocalTime{Year: 2026, Month: 3, Day: 2, Hour: 9},
				End: oncall.LocalTime{Year: 2027, Month: 1, Day: 1}, Shift: oncall.Weeks(1), Participants: []string{p.admin.ID},
				Restrictions: []oncall.Restriction{{Days: []time.Weekday{time.Monday, time.Friday}, Start: "09:00", End: "17:00"}}},
		},
		Overrides: []oncall.Override{{UserID: p.bob.ID, Replaces: p.ada.ID,
			Start: time.Date(2026, 3, 8, 1, 30, 0, 123456789, berlin), End: time.Date(2026, 3, 8, 5, 0, 0, 0, berlin)}},
	}
	if err := p.s.CreateSchedule(p.ctx, sch); err != nil {
		t.Fatal(err)
	}
	if sch.ID == "" || sch.Overrides[0].Start.Location() != time.UTC || sch.Overrides[0].Start.Nanosecond() != 123456000 {
		t.Fatalf("created %+v: want an ID and override times in UTC to the microsecond", sch)
	}
	for _, key := range []string{sch.ID, "payments"} {
		got, err := p.s.FindSchedule(p.ctx, key)
		if err != nil || !reflect.DeepEqual(got, sch) {
			t.Fatalf("FindSchedule(%q) =\n%+v, %v\nwant\n%+v", key, got, err, sch)
		}
	}
	// What is stored answers the same questions.
	got, _ := p.s.FindSchedule(p.ctx, sch.ID)
	at := time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC)
	if a, b := mustOnCall(t, got, at), mustOnCall(t, sch, at); !reflect.DeepEqual(a, b) {
		t.Fatalf("on call from the store %v, from the original %v", a, b)
	}
	_, err := p.s.FindSchedule(p.ctx, "nope")
	wantError(t, err, warroom.ENotFound, `no schedule "nope"`)

	bad := &oncall.Schedule{Name: "mars", TimeZone: "Mars/Olympus_Mons"}
	wantError(t, p.s.CreateSchedule(p.ctx, bad), warroom.EInvalid, `schedule "mars": unknown time zone "Mars/Olympus_Mons"`)
	bad = &oncall.Schedule{Name: "x", TimeZone: "UTC", Layers: []oncall.Layer{{Name: "l", Start: sch.Layers[0].Start, Shift: oncall.Days(1)}}}
	wantError(t, p.s.CreateSchedule(p.ctx, bad), warroom.EInvalid, `schedule "x": layer 0 ("l"): no participants`)
	wantCode(t, p.s.CreateSchedule(p.ctx, &oncall.Schedule{TimeZone: "UTC"}), warroom.EInvalid)
	wantError(t, p.s.CreateSchedule(p.ctx, &oncall.Schedule{Name: "payments", TimeZone: "UTC"}),
		warroom.EConflict, `a schedule named "payments" exists`)

	other := &oncall.Schedule{Name: "data", TimeZone: "UTC"}
	if err := p.s.CreateSchedule(p.ctx, other); err != nil {
		t.Fatal(err)
	}
	sch.Name, sch.TimeZone, sch.Overrides = "billing", "Europe/Berlin", nil
	if err := p.s.UpdateSchedule(p.ctx, sch); err != nil {
		t.Fatal(err)
	}
	list, err := p.s.ListSchedules(p.ctx)
	if err != nil || !reflect.DeepEqual(list, []*oncall.Schedule{sch, other}) {
		t.Fatalf("ListSchedules = %+v, %v", list, err)
	}
	wantCode(t, p.s.UpdateSchedule(p.ctx, &oncall.Schedule{ID: "nope", Name: "n", TimeZone: "UTC"}), warroom.ENotFound)
	other.Name = "billing"
	wantCode(t, p.s.UpdateSchedule(p.ctx, other), warroom.EConflict)
	sch.TimeZone = "Local"
	wantCode(t, p.s.UpdateSchedule(p.ctx, sch), warroom.EInvalid)
}

func mustOnCall(t *testing.T, s *oncall.Schedule, at time.Time) any {
	t.Helper()
	shifts, err := s.Shifts(at, at.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return shifts
}
