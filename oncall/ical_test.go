package oncall

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestICalGolden(t *testing.T) {
	shifts := []Shift{
		{ScheduleID: "payments", UserID: "alice", Layer: "base",
			Start: ts(t, "2026-11-22T09:00+01:00"), End: ts(t, "2026-11-23T09:00+01:00")},
		{ScheduleID: "payments", UserID: "bob", Layer: "base+override",
			Start: ts(t, "2026-11-23T09:00+01:00"), End: ts(t, "2026-11-23T21:30+01:00")},
	}
	names := map[string]string{
		"alice": `Alice Smith, SRE; "primary" \ EU`,
		"bob":   "Roberta Long-Name-For-Folding, Payments Platform Site Reliability Engineering (Europe)",
	}
	opt := ICalOptions{
		Name:        "Payments; primary, EU\nteam",
		UIDDomain:   "warroom.example.com",
		Stamp:       ts(t, "2026-03-01T12:00Z"),
		DisplayName: func(id string) string { return names[id] },
	}
	// UID hashes: printf 'payments\0alice' | sha256sum | cut -c1-16
	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//warroom//oncall//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		`X-WR-CALNAME:Payments\; primary\, EU\nteam`,
		"BEGIN:VEVENT",
		"UID:20261122T080000Z-5b64d7d782813591@warroom.example.com",
		"DTSTAMP:20260301T120000Z",
		"DTSTART:20261122T080000Z",
		"DTEND:20261123T080000Z",
		`SUMMARY:On call: Alice Smith\, SRE\; "primary" \\ EU`,
		`DESCRIPTION:Schedule: payments\nLayer: base`,
		"TRANSP:TRANSPARENT",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"UID:20261123T080000Z-a4d13eff2bb25895@warroom.example.com",
		"DTSTAMP:20260301T120000Z",
		"DTSTART:20261123T080000Z",
		"DTEND:20261123T203000Z",
		`SUMMARY:On call: Roberta Long-Name-For-Folding\, Payments Platform Site Rel`,
		` iability Engineering (Europe)`,
		`DESCRIPTION:Schedule: payments\nLayer: base+override`,
		"TRANSP:TRANSPARENT",
		"END:VEVENT",
		"END:VCALENDAR",
	}, "\r\n") + "\r\n"
	var buf bytes.Buffer
	if err := ICal(&buf, opt, shifts); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.ReplaceAll(got, "\r\n", "⏎\n"), strings.ReplaceAll(want, "\r\n", "⏎\n"))
	}
}

func TestICalFromSchedule(t *testing.T) {
	s := rotation(t, "Europe/Berlin", "2026-10-24T09:00", Days(1), "alice", "bob")
	shifts, err := s.UserShifts("bob", ts(t, "2026-10-24T00:00+02:00"), ts(t, "2026-10-27T00:00+01:00"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = ICal(&buf, ICalOptions{UIDDomain: "x", Stamp: ts(t, "2026-10-01T00:00Z")}, shifts)
	if err != nil {
		t.Fatal(err)
	}
	// bob's 25h fall-back shift: 09:00 CEST to 09:00 CET.
	for _, line := range []string{"\r\nDTSTART:20261025T080000Z\r\n", "\r\nDTEND:20261026T080000Z\r\n", "\r\nSUMMARY:On call: bob\r\n"} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("feed lacks %q:\n%s", line, buf.String())
		}
	}
	if n := strings.Count(buf.String(), "BEGIN:VEVENT"); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

// TestICalHandoffOverlap: on fall-back day a 02:30 handoff in Berlin gives
// two overlapping events, bob's ending at the last 02:30 (01:30Z) and
// alice's starting at the first (00:30Z), with distinct UIDs; each per-user
// feed has its own.
func TestICalHandoffOverlap(t *testing.T) {
	s := rotation(t, "Europe/Berlin", "2026-10-24T02:30", Days(1), "bob", "alice")
	from, to := ts(t, "2026-10-24T00:00+02:00"), ts(t, "2026-10-27T00:00+01:00")
	opt := ICalOptions{UIDDomain: "x", Stamp: ts(t, "2026-10-01T00:00Z")}
	events := func(shifts []Shift) [][2]string {
		var buf bytes.Buffer
		if err := ICal(&buf, opt, shifts); err != nil {
			t.Fatal(err)
		}
		var out [][2]string
		var start string
		uids := map[string]bool{}
		for _, line := range strings.Split(buf.String(), "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "UID":
				if uids[v] {
					t.Errorf("UID %s twice", v)
				}
				uids[v] = true
			case "DTSTART":
				start = v
			case "DTEND":
				out = append(out, [2]string{start, v})
			}
		}
		return out
	}
	all, err := s.Shifts(from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{
		{"20261024T003000Z", "20261025T013000Z"}, // bob, 25h
		{"20261025T003000Z", "20261026T013000Z"}, // alice, from the first 02:30
		{"20261026T013000Z", "20261026T230000Z"}, // bob, clipped
	}
	if got := events(all); !slices.Equal(got, want) {
		t.Errorf("schedule feed events %v, want %v", got, want)
	}
	for user, w := range map[string][][2]string{"bob": {want[0], want[2]}, "alice": {want[1]}} {
		mine, err := s.UserShifts(user, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := events(mine); !slices.Equal(got, w) {
			t.Errorf("%s's feed events %v, want %v", user, got, w)
		}
	}
}

func TestFoldLine(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, in, want string
	}{
		{"short", "UID:x", "UID:x\r\n"},
		{"exactly 75 octets", a(75), a(75) + "\r\n"},
		{"76 octets", a(76), a(75) + "\r\n a\r\n"},
		{"three lines", a(75 + 74 + 1), a(75) + "\r\n " + a(74) + "\r\n a\r\n"},
		{"continuation exactly full", a(75 + 74), a(75) + "\r\n " + a(74) + "\r\n"},
		// "é" is 2 octets; byte 75 would split one, so cut at 74.
		{"UTF-8 not split", "SUMMARY:" + strings.Repeat("é", 40),
			"SUMMARY:" + strings.Repeat("é", 33) + "\r\n " + strings.Repeat("é", 7) + "\r\n"},
		// "€" is 3 octets: 8 + 22*3 = 74 fits, the 23rd would end at 77.
		{"3-octet rune", "SUMMARY:" + strings.Repeat("€", 30),
			"SUMMARY:" + strings.Repeat("€", 22) + "\r\n " + strings.Repeat("€", 8) + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := foldLine(tt.in)
			if got != tt.want {
				t.Errorf("foldLine = %q\nwant       %q", got, tt.want)
			}
			for _, l := range strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n") {
				if len(l) > 75 {
					t.Errorf("physical line of %d octets: %q", len(l), l)
				}
			}
			if unfolded := strings.ReplaceAll(strings.TrimSuffix(got, "\r\n"), "\r\n ", ""); unfolded != tt.in {
				t.Errorf("unfolding gives %q", unfolded)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain: text", "plain: text"}, // colon needs no escape in TEXT
		{`a,b;c\d`, `a\,b\;c\\d`},
		{"l1\nl2", `l1\nl2`},
		{"l1\r\nl2", `l1\nl2`}, // CRLF is one newline
		{"l1\rl2", `l1\nl2`},
		{"tab\tkept", "tab\tkept"},
		{"bell\a\x7fgone", "bellgone"},
		{`\n literal`, `\\n literal`},
		{`"quoted"`, `"quoted"`},
	}
	for _, tt := range tests {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestICalErrors(t *testing.T) {
	ok := ICalOptions{UIDDomain: "x", Stamp: ts(t, "2026-03-01T00:00Z")}
	good := []Shift{{UserID: "a", Start: ts(t, "2026-03-01T00:00Z"), End: ts(t, "2026-03-01T01:00Z")}}
	bad := []Shift{{UserID: "a", Start: ts(t, "2026-03-01T01:00Z"), End: ts(t, "2026-03-01T01:00Z")}}
	tests := []struct {
		name   string
		opt    ICalOptions
		shifts []Shift
		w      io.Writer
		want   string
	}{
		{"no domain", ICalOptions{Stamp: ok.Stamp}, good, io.Discard, "oncall: ical: UID domain is required"},
		{"no stamp", ICalOptions{UIDDomain: "x"}, good, io.Discard, "oncall: ical: stamp is required"},
		{"empty shift", ok, bad, io.Discard, `oncall: ical: shift 0 (user "a") does not end after it starts`},
		{"write error", ok, good, failWriter{}, "disk full"},
	}
	for _, tt := range tests {
		if err := ICal(tt.w, tt.opt, tt.shifts); errString(err) != tt.want {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
