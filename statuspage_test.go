package warroom

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestWorstStatus(t *testing.T) {
	for _, c := range []struct{ a, b, want ComponentStatus }{
		{StatusOperational, StatusOperational, StatusOperational},
		{StatusOperational, StatusMaintenance, StatusMaintenance},
		{StatusMaintenance, StatusDegraded, StatusDegraded},
		{StatusMajorOutage, StatusPartialOutage, StatusMajorOutage},
		{StatusPartialOutage, StatusDegraded, StatusPartialOutage},
		{"bogus", StatusOperational, StatusOperational},
	} {
		if got := WorstStatus(c.a, c.b); got != c.want {
			t.Errorf("WorstStatus(%s, %s) = %s", c.a, c.b, got)
		}
	}
}

func TestMakePublic(t *testing.T) {
	inc := &Incident{ID: "i", Ref: "INC-1", Severity: SEV2, Stage: StageInvestigating}
	for _, c := range []struct {
		name    string
		private bool
		cmd     MakePublic
		code    string
		impact  ComponentStatus
	}{
		{"impact from severity", false, MakePublic{Title: "Slow API"}, "", StatusPartialOutage},
		{"impact given", false, MakePublic{Title: "Slow API", Impact: StatusMajorOutage}, "", StatusMajorOutage},
		{"private", true, MakePublic{Title: "Slow API"}, EConflict, ""},
		{"no title", false, MakePublic{Title: "  "}, EInvalid, ""},
		{"two lines", false, MakePublic{Title: "a\nb"}, EInvalid, ""},
		{"operational is no impact", false, MakePublic{Title: "x", Impact: StatusOperational}, EInvalid, ""},
		{"maintenance is no impact", false, MakePublic{Title: "x", Impact: StatusMaintenance}, EInvalid, ""},
		{"unknown impact", false, MakePublic{Title: "x", Impact: "down"}, EInvalid, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := *inc
			in.Private = c.private
			ev, err := c.cmd.decide(&in, Actor{}, time.Time{})
			if ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
				t.Fatalf("err %v, want %q", err, c.code)
			}
			if c.code == "" && (ev[0].Type != EventMadePublic || c.cmd.ImpactOn(&in) != c.impact || ev[0].Title != "Slow API" || !strings.Contains(ev[0].Text, c.impact.Label())) {
				t.Errorf("event %+v", ev[0])
			}
		})
	}
}

func TestComponentStatusAt(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	c := &StatusComponent{ID: "c"}
	inc := func(impact ComponentStatus, comps []string, resolved *time.Time) *PublicIncident {
		return &PublicIncident{Impact: impact, ComponentIDs: comps, StartedAt: now.Add(-2 * time.Hour), ResolvedAt: resolved}
	}
	win := &Maintenance{ComponentIDs: []string{"c"}, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)}
	for _, tc := range []struct {
		name    string
		manual  ComponentStatus
		incs    []*PublicIncident
		windows []*Maintenance
		want    ComponentStatus
	}{
		{"nothing", "", nil, nil, StatusOperational},
		{"worst of incidents", "", []*PublicIncident{inc(StatusDegraded, []string{"c"}, nil), inc(StatusPartialOutage, []string{"c"}, nil)}, nil, StatusPartialOutage},
		{"resolved incident", "", []*PublicIncident{inc(StatusMajorOutage, []string{"c"}, &past)}, nil, StatusOperational},
		{"other component", "", []*PublicIncident{inc(StatusMajorOutage, []string{"d"}, nil)}, nil, StatusOperational},
		{"maintenance", "", nil, []*Maintenance{win}, StatusMaintenance},
		{"outage during maintenance", "", []*PublicIncident{inc(StatusDegraded, []string{"c"}, nil)}, []*Maintenance{win}, StatusDegraded},
		{"manual holds", StatusOperational, []*PublicIncident{inc(StatusMajorOutage, []string{"c"}, nil)}, nil, StatusOperational},
	} {
		c.ManualStatus = tc.manual
		if got := ComponentStatusAt(c, tc.incs, tc.windows, now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	cancelled := *win
	cancelled.CancelledAt = &past
	c.ManualStatus = ""
	if got := ComponentStatusAt(c, nil, []*Maintenance{&cancelled}, now); got != StatusOperational {
		t.Errorf("cancelled window: %s", got)
	}
}

// TestDailyBarsDST: days are cut at local midnight, so the day the clocks
// go back is 25 hours long and a change at 23:30 local that day falls on
// it, not on the next; the status in effect at a day's start carries in.
func TestDailyBarsDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata")
	}
	// 1 Nov 2026: clocks go back at 02:00 EDT; 8 Mar 2026 they went forward.
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, ny)
	changes := []ComponentChange{
		{Status: StatusPartialOutage, At: time.Date(2026, 3, 8, 1, 30, 0, 0, ny)},
		{Status: StatusOperational, At: time.Date(2026, 3, 8, 3, 30, 0, 0, ny)},  // the 23-hour day
		{Status: StatusDegraded, At: time.Date(2026, 11, 1, 23, 30, 0, 0, ny)},   // late on the 25-hour day
		{Status: StatusOperational, At: time.Date(2026, 11, 2, 0, 30, 0, 0, ny)}, // carried into the next morning
	}
	incs := []*PublicIncident{{Slug: "x", ComponentIDs: []string{"c"}, StartedAt: time.Date(2026, 11, 1, 23, 0, 0, 0, ny),
		ResolvedAt: ptr(time.Date(2026, 11, 2, 0, 30, 0, 0, ny))}}
	bars := DailyBars("c", changes, incs, 90, now, ny)
	if len(bars) != 90 {
		t.Fatalf("%d bars", len(bars))
	}
	last := bars[89]
	if !last.Day.Equal(time.Date(2026, 11, 3, 0, 0, 0, 0, ny)) || last.Status != StatusOperational {
		t.Errorf("today %+v", last)
	}
	nov1, nov2 := bars[87], bars[88]
	if nov1.Day.Format("2006-01-02") != "2026-11-01" || nov1.Status != StatusDegraded || len(nov1.Incidents) != 1 {
		t.Errorf("1 Nov %+v", nov1)
	}
	if nov2.Day.Format("2006-01-02") != "2026-11-02" || nov2.Status != StatusDegraded || len(nov2.Incidents) != 1 {
		t.Errorf("2 Nov (degraded at midnight) %+v", nov2)
	}
	if bars[86].Status != StatusOperational || len(bars[86].Incidents) != 0 {
		t.Errorf("31 Oct %+v", bars[86])
	}
	// Each bar starts at local midnight: 25 hours between 1 and 2 Nov.
	if d := nov2.Day.Sub(nov1.Day); d != 25*time.Hour {
		t.Errorf("1 Nov lasts %s", d)
	}
	// March is out of the 90 days: nothing of it shows, the first bar is
	// operational (the last change before it).
	if bars[0].Status != StatusOperational {
		t.Errorf("first bar %+v", bars[0])
	}
	// Spring forward: a 90-day window ending 9 Mar 2026.
	bars = DailyBars("c", changes, nil, 90, time.Date(2026, 3, 9, 12, 0, 0, 0, ny), ny)
	mar8 := bars[88]
	if mar8.Day.Format("2006-01-02") != "2026-03-08" || mar8.Status != StatusPartialOutage || bars[89].Day.Sub(mar8.Day) != 23*time.Hour {
		t.Errorf("8 Mar %+v", mar8)
	}
	if bars[89].Status != StatusOperational {
		t.Errorf("9 Mar %+v", bars[89])
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseSubscriberEmail(t *testing.T) {
	for in, want := range map[string]string{
		"wile@acme.test":      "wile@acme.test",
		" Wile@ACME.Test ":    "Wile@acme.test",
		"a.b+tag@sub.acme.io": "a.b+tag@sub.acme.io",
	} {
		if got, err := ParseSubscriberEmail(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "wile", "wile@", "@acme.test", "wile@acme", "Wile <wile@acme.test>", "a@b.c, d@e.f",
		"wile@acme.test\r\nBcc: x@y.z", "wile@.acme.test", "wile@acme.test.", string(make([]byte, 300))} {
		if _, err := ParseSubscriberEmail(bad); ErrorCode(err) != EInvalid || ErrorField(err) != "email" {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestNetworkOf(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77":         "203.0.113.0/24",
		"::ffff:203.0.113.77":  "203.0.113.0/24",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
	} {
		if got := NetworkOf(netip.MustParseAddr(in)); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

func TestSubscribeLimits(t *testing.T) {
	l := SubscribeLimits{Window: time.Hour, PerAddress: 3, PerNetwork: 20}
	if l.CheckSubscribeRate(2, 19) != nil {
		t.Error("under the limits refused")
	}
	if ErrorCode(l.CheckSubscribeRate(3, 0)) != ERateLimited || ErrorCode(l.CheckSubscribeRate(0, 20)) != ERateLimited {
		t.Error("at the limits accepted")
	}
}

func TestSubscriberToken(t *testing.T) {
	key := []byte("k")
	tok := SubscriberToken(key, LinkConfirm, "s1", "wile@acme.test")
	if !CheckSubscriberToken(key, LinkConfirm, "s1", "Wile@acme.test", tok) {
		t.Error("own token refused")
	}
	for name, ok := range map[string]bool{
		"other address": CheckSubscriberToken(key, LinkConfirm, "s1", "road@acme.test", tok),
		"other id":      CheckSubscriberToken(key, LinkConfirm, "s2", "wile@acme.test", tok),
		"other purpose": CheckSubscriberToken(key, LinkUnsubscribe, "s1", "wile@acme.test", tok),
		"other key":     CheckSubscriberToken([]byte("k2"), LinkConfirm, "s1", "wile@acme.test", tok),
		"empty":         CheckSubscriberToken(key, LinkConfirm, "s1", "wile@acme.test", ""),
	} {
		if ok {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestSubscriberWants(t *testing.T) {
	all := &Subscriber{}
	some := &Subscriber{ComponentIDs: []string{"a"}}
	if !all.Wants([]string{"b"}) || !some.Wants([]string{"b", "a"}) || some.Wants([]string{"b"}) || !some.Wants(nil) {
		t.Error("wants")
	}
}

func TestMaintenanceValidate(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for name, m := range map[string]Maintenance{
		"no title":  {StartsAt: now, EndsAt: now.Add(time.Hour)},
		"backwards": {Title: "x", StartsAt: now.Add(time.Hour), EndsAt: now},
		"over":      {Title: "x", StartsAt: now.Add(-2 * time.Hour), EndsAt: now.Add(-time.Hour)},
		"too long":  {Title: "x", StartsAt: now, EndsAt: now.Add(8 * 24 * time.Hour)},
		"no times":  {Title: "x"},
	} {
		if err := m.Validate(now); ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	m := Maintenance{Title: "x", StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)}
	if err := m.Validate(now); err != nil {
		t.Fatal(err)
	}
	for at, want := range map[time.Time]string{now: "scheduled", now.Add(90 * time.Minute): "in_progress", now.Add(2 * time.Hour): "completed"} {
		if got := m.Phase(at); got != want {
			t.Errorf("%s: %s", at, got)
		}
	}
}
