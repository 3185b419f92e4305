package oncall

import (
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	valid := func() Schedule { return layered(t) }
	tests := []struct {
		name   string
		mutate func(s *Schedule)
		want   string // exact message; "" means valid
	}{
		{"valid", func(s *Schedule) {}, ""},
		{"valid with End and override", func(s *Schedule) {
			s.Layers[0].End = lt(t, "2027-01-01T00:00")
			s.Overrides = []Override{{UserID: "erin", Start: ts(t, "2026-03-01T10:00Z"), End: ts(t, "2026-03-01T11:00Z")}}
		}, ""},
		{"no time zone", func(s *Schedule) { s.TimeZone = "" },
			`oncall: schedule "payments": time zone is required`},
		{"unknown time zone", func(s *Schedule) { s.TimeZone = "Mars/Olympus_Mons" },
			`oncall: schedule "payments": unknown time zone "Mars/Olympus_Mons"`},
		{"server-local zone", func(s *Schedule) { s.TimeZone = "Local" },
			`oncall: schedule "payments": time zone "Local" is not allowed; use an IANA name`},
		{"layer without name", func(s *Schedule) { s.Layers[1].Name = "" },
			`oncall: schedule "payments": layer 1 (""): name is required`},
		{"reserved layer name", func(s *Schedule) { s.Layers[1].Name = "override" },
			`oncall: schedule "payments": layer 1 ("override"): name "override" is reserved for overrides`},
		{"no start", func(s *Schedule) { s.Layers[0].Start = LocalTime{} },
			`oncall: schedule "payments": layer 0 ("base"): start is required`},
		{"impossible start", func(s *Schedule) { s.Layers[0].Start = LocalTime{2026, time.February, 30, 9, 0} },
			`oncall: schedule "payments": layer 0 ("base"): start 2026-02-30T09:00 is not a valid date and time`},
		{"count 0", func(s *Schedule) { s.Layers[0].Shift = ShiftLength{0, Day} },
			`oncall: schedule "payments": layer 0 ("base"): shift count must be at least 1, got 0`},
		{"no unit", func(s *Schedule) { s.Layers[0].Shift = ShiftLength{Count: 1} },
			`oncall: schedule "payments": layer 0 ("base"): unknown shift unit 0 (use Hour, Day or Week)`},
		{"no participants", func(s *Schedule) { s.Layers[0].Participants = nil },
			`oncall: schedule "payments": layer 0 ("base"): no participants`},
		{"empty participant", func(s *Schedule) { s.Layers[0].Participants = []string{"alice", ""} },
			`oncall: schedule "payments": layer 0 ("base"): participant 1 is empty`},
		{"end before start", func(s *Schedule) { s.Layers[0].End = lt(t, "2026-03-02T08:00") },
			`oncall: schedule "payments": layer 0 ("base"): end 2026-03-02T08:00 is not after start 2026-03-02T09:00`},
		{"impossible end", func(s *Schedule) { s.Layers[0].End = LocalTime{2026, time.April, 31, 0, 0} },
			`oncall: schedule "payments": layer 0 ("base"): end 2026-04-31T00:00 is not a valid date and time`},
		{"bad restriction start", func(s *Schedule) { s.Layers[1].Restrictions[0].Start = "9:00" },
			`oncall: schedule "payments": layer 1 ("business"): restriction 0: start "9:00" is not HH:MM (00:00-23:59)`},
		{"bad restriction end", func(s *Schedule) { s.Layers[1].Restrictions[0].End = "24:00" },
			`oncall: schedule "payments": layer 1 ("business"): restriction 0: end "24:00" is not HH:MM (00:00-23:59)`},
		{"bad weekday", func(s *Schedule) { s.Layers[1].Restrictions[0].Days = []time.Weekday{7} },
			`oncall: schedule "payments": layer 1 ("business"): restriction 0: invalid weekday 7`},
		{"override without user", func(s *Schedule) {
			s.Overrides = []Override{{Start: ts(t, "2026-03-01T10:00Z"), End: ts(t, "2026-03-01T11:00Z")}}
		}, `oncall: schedule "payments": override 0 (user ""): user ID is required`},
		{"override without end", func(s *Schedule) {
			s.Overrides = []Override{{UserID: "erin", Start: ts(t, "2026-03-01T10:00Z")}}
		}, `oncall: schedule "payments": override 0 (user "erin"): start and end are required`},
		{"override end before start", func(s *Schedule) {
			s.Overrides = []Override{{UserID: "erin", Start: ts(t, "2026-03-01T10:00Z"), End: ts(t, "2026-03-01T09:00Z")}}
		}, `oncall: schedule "payments": override 0 (user "erin"): end 2026-03-01T09:00:00Z is not after start 2026-03-01T10:00:00Z`},
		{"zero-length override", func(s *Schedule) {
			s.Overrides = []Override{{UserID: "erin", Start: ts(t, "2026-03-01T10:00Z"), End: ts(t, "2026-03-01T10:00Z")}}
		}, `oncall: schedule "payments": override 0 (user "erin"): end 2026-03-01T10:00:00Z is not after start 2026-03-01T10:00:00Z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.mutate(&s)
			err := s.Validate()
			if got := errString(err); got != tt.want {
				t.Errorf("Validate() = %q\nwant         %q", got, tt.want)
			}
			if _, err := s.Shifts(ts(t, "2026-03-02T00:00Z"), ts(t, "2026-03-03T00:00Z")); errString(err) != tt.want {
				t.Errorf("Shifts error = %v, want the Validate error", err)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestParseLocalTime(t *testing.T) {
	got, err := ParseLocalTime("2026-03-08T02:30")
	if err != nil || got != (LocalTime{2026, time.March, 8, 2, 30}) || got.String() != "2026-03-08T02:30" {
		t.Errorf("ParseLocalTime = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "2026-03-08", "2026-03-08 02:30", "2026-02-30T09:00", "2026-03-08T24:00"} {
		if _, err := ParseLocalTime(bad); err == nil {
			t.Errorf("ParseLocalTime(%q): want error", bad)
		}
	}
}

func TestParseClock(t *testing.T) {
	for s, want := range map[string]bool{
		"00:00": true, "09:05": true, "23:59": true,
		"24:00": false, "9:00": false, "09:60": false, "09-00": false, "0900": false, "+9:00": false, "09:0a": false,
	} {
		if _, ok := parseClock(s); ok != want {
			t.Errorf("parseClock(%q) ok = %v, want %v", s, ok, want)
		}
	}
}
