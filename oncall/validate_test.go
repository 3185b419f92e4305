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
		{"valid 90m shifts", func(s *Schedule) { s.Layers[0].Shift = Minutes(90) }, ""},
		{"valid 1m shifts", func(s *Schedule) { s.Layers[0].Shift = Minutes(1) }, ""},
		{"valid 9999w shifts", func(s *Schedule) { s.Layers[0].Shift = Weeks(9999) }, ""},
		{"count 0", func(s *Schedule) { s.Layers[0].Shift = ShiftLength{0, Day} },
			`oncall: schedule "payments": layer 0 ("base"): shift length is zero; it must be at least 1m`},
		{"negative count", func(s *Schedule) { s.Layers[0].Shift = Hours(-12) },
			`oncall: schedule "payments": layer 0 ("base"): shift length -12 hours is negative; it must be at least 1m`},
		{"too long", func(s *Schedule) { s.Layers[0].Shift = Days(9999*7 + 1) },
			`oncall: schedule "payments": layer 0 ("base"): shift length 69994 days is longer than the maximum 9999w`},
		{"no unit", func(s *Schedule) { s.Layers[0].Shift = ShiftLength{Count: 1} },
			`oncall: schedule "payments": layer 0 ("base"): unknown shift unit 0 (use Minute, Hour, Day or Week)`},
		{"unknown unit", func(s *Schedule) { s.Layers[0].Shift = ShiftLength{1, Minute + 1} },
			`oncall: schedule "payments": layer 0 ("base"): unknown shift unit 5 (use Minute, Hour, Day or Week)`},
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

func TestParseShiftLength(t *testing.T) {
	for in, want := range map[string]struct {
		sl   ShiftLength
		text string
	}{
		"90m":    {Minutes(90), "90m"},
		"1h30m":  {Minutes(90), "90m"},
		"1.5h":   {Minutes(90), "90m"},
		"1m":     {Minutes(1), "1m"},
		"60s":    {Minutes(1), "1m"},
		"12h":    {Hours(12), "12h"},
		" 36H ":  {Hours(36), "36h"},
		"+8h":    {Hours(8), "8h"},
		"24h":    {Days(1), "1d"},
		"1440m":  {Days(1), "1d"},
		"48h":    {Days(2), "2d"},
		"1d":     {Days(1), "1d"},
		"10d":    {Days(10), "10d"},
		"10 d":   {Days(10), "10d"},
		"14d":    {Weeks(2), "2w"},
		"2w":     {Weeks(2), "2w"},
		"168h":   {Weeks(1), "1w"},
		"9999w":  {Weeks(9999), "9999w"},
		"25h30m": {Minutes(1530), "1530m"},
	} {
		got, err := ParseShiftLength(in)
		if err != nil || got != want.sl || got.String() != want.text {
			t.Errorf("ParseShiftLength(%q) = %+v (%q), %v; want %+v (%q)", in, got, got.String(), err, want.sl, want.text)
		}
		if again, err := ParseShiftLength(got.String()); err != nil || again != got {
			t.Errorf("ParseShiftLength(%q) does not read back %q: %+v, %v", got.String(), in, again, err)
		}
	}
	for in, want := range map[string]string{
		"":                      `oncall: shift length is required: a length like 90m, 12h, 1d or 2w`,
		"  ":                    `oncall: shift length is required: a length like 90m, 12h, 1d or 2w`,
		"abc":                   `oncall: shift length "abc" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`,
		"3x":                    `oncall: shift length "3x" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`,
		"12":                    `oncall: shift length "12" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`,
		"1.5d":                  `oncall: shift length "1.5d" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`,
		"1d12h":                 `oncall: shift length "1d12h" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`,
		"0m":                    `oncall: shift length "0m" is zero; it must be at least 1m`,
		"0d":                    `oncall: shift length "0d" is zero; it must be at least 1m`,
		"0":                     `oncall: shift length "0" is zero; it must be at least 1m`,
		"-1d":                   `oncall: shift length "-1d" is negative; it must be at least 1m`,
		"-90m":                  `oncall: shift length "-90m" is negative; it must be at least 1m`,
		"30s":                   `oncall: shift length "30s" is shorter than the minimum 1m`,
		"1ns":                   `oncall: shift length "1ns" is shorter than the minimum 1m`,
		"90s":                   `oncall: shift length "90s" is not a whole number of minutes`,
		"10000w":                `oncall: shift length "10000w" is longer than the maximum 9999w`,
		"70000d":                `oncall: shift length "70000d" is longer than the maximum 9999w`,
		"2000000h":              `oncall: shift length "2000000h" is longer than the maximum 9999w`,
		"99999999999999999999w": `oncall: shift length "99999999999999999999w" is longer than the maximum 9999w`,
	} {
		if got, err := ParseShiftLength(in); errString(err) != want {
			t.Errorf("ParseShiftLength(%q) = %+v, %q\nwant error %q", in, got, errString(err), want)
		}
	}
}

func TestShiftLengthString(t *testing.T) {
	for sl, want := range map[ShiftLength]string{
		Minutes(90): "90m", Hours(36): "36h", Hours(24): "1d", Minutes(10080): "1w", Days(10): "10d", Days(14): "2w",
		Weeks(2): "2w", {0, Day}: "0 day", {1, 0}: "1 Unit(0)",
	} {
		if got := sl.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", sl, got, want)
		}
	}
	if got := Minutes(90).Duration(); got != 90*time.Minute {
		t.Errorf("Duration = %s", got)
	}
	if got := Hours(-1).Duration(); got != 0 {
		t.Errorf("Duration of an invalid length = %s, want 0", got)
	}
}
