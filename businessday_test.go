package warroom_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func date(s string) warroom.Date {
	d, err := warroom.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func holidays(name string, days ...string) *warroom.HolidayCalendar {
	hc := &warroom.HolidayCalendar{Name: name}
	for _, d := range days {
		hc.Holidays = append(hc.Holidays, warroom.Holiday{Date: date(d), Name: "holiday " + d})
	}
	return hc
}

// TestReviewDue: the Post Mortem Review is due at the end of the 5th
// business day after the day of recovery, counted in the calendar's zone.
func TestReviewDue(t *testing.T) {
	berlin, ny, tokyo, kolkata := mustLoc(t, "Europe/Berlin"), mustLoc(t, "America/New_York"), mustLoc(t, "Asia/Tokyo"), mustLoc(t, "Asia/Kolkata")
	riyadhWeekend := []time.Weekday{time.Friday, time.Saturday}
	deBW := holidays("de-bw", "2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01", "2027-01-06")
	us := holidays("us", "2026-11-26", "2026-12-25", "2027-01-01")
	tests := []struct {
		name      string
		recovered time.Time
		loc       *time.Location
		weekend   []time.Weekday
		hc        *warroom.HolidayCalendar
		last      string // the last business day
		due       time.Time
	}{
		{"monday: next monday", time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC), time.UTC, warroom.DefaultWeekend, nil,
			"2026-12-14", time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)},
		{"friday evening: the weekend does not count", time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC), time.UTC, warroom.DefaultWeekend, nil,
			"2026-12-11", time.Date(2026, 12, 12, 0, 0, 0, 0, time.UTC)},
		{"saturday: monday is the first", time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), time.UTC, warroom.DefaultWeekend, nil,
			"2026-12-11", time.Date(2026, 12, 12, 0, 0, 0, 0, time.UTC)},
		{"christmas in Baden-Württemberg", time.Date(2026, 12, 22, 10, 0, 0, 0, berlin), berlin, warroom.DefaultWeekend, deBW,
			"2026-12-31", time.Date(2027, 1, 1, 0, 0, 0, 0, berlin)},
		{"new year and epiphany in Baden-Württemberg, across the year end", time.Date(2026, 12, 28, 10, 0, 0, 0, berlin), berlin, warroom.DefaultWeekend, deBW,
			"2027-01-05", time.Date(2027, 1, 6, 0, 0, 0, 0, berlin)},
		{"the same in the US calendar", time.Date(2026, 12, 30, 10, 0, 0, 0, berlin), ny, warroom.DefaultWeekend, us,
			"2027-01-07", time.Date(2027, 1, 8, 0, 0, 0, 0, ny)},
		{"the same recovery in the US calendar", time.Date(2026, 12, 22, 10, 0, 0, 0, berlin), ny, warroom.DefaultWeekend, us,
			"2026-12-30", time.Date(2026, 12, 31, 0, 0, 0, 0, ny)},
		{"thanksgiving, across the month end", time.Date(2026, 11, 24, 12, 0, 0, 0, ny), ny, warroom.DefaultWeekend, us,
			"2026-12-02", time.Date(2026, 12, 3, 0, 0, 0, 0, ny)},
		{"across the spring DST change in Berlin (29 March 2026)", time.Date(2026, 3, 26, 9, 0, 0, 0, berlin), berlin, warroom.DefaultWeekend, nil,
			"2026-04-02", time.Date(2026, 4, 3, 0, 0, 0, 0, berlin)},
		{"across the autumn DST change in New York (1 November 2026)", time.Date(2026, 10, 29, 23, 30, 0, 0, ny), ny, warroom.DefaultWeekend, nil,
			"2026-11-05", time.Date(2026, 11, 6, 0, 0, 0, 0, ny)},
		{"the day of recovery is the zone's: 23:30 UTC is already Tuesday in Tokyo", time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC), tokyo, warroom.DefaultWeekend, nil,
			"2026-12-15", time.Date(2026, 12, 16, 0, 0, 0, 0, tokyo)},
		{"half-hour zone", time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC), kolkata, warroom.DefaultWeekend, nil,
			"2026-12-15", time.Date(2026, 12, 16, 0, 0, 0, 0, kolkata)},
		{"a friday-saturday weekend", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), time.UTC, riyadhWeekend, nil,
			"2026-12-10", time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC)},
		{"leap day", time.Date(2028, 2, 25, 10, 0, 0, 0, time.UTC), time.UTC, warroom.DefaultWeekend, nil,
			"2028-03-03", time.Date(2028, 3, 4, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := warroom.NewBusinessCalendar(tt.loc, tt.weekend, tt.hc)
			due, last := c.ReviewDue(tt.recovered, 5)
			if last.String() != tt.last || !due.Equal(tt.due) {
				t.Errorf("ReviewDue = %s (last business day %s), want %s (%s)", due, last, tt.due, tt.last)
			}
		})
	}
	// The reminder is at 09:00 local on the last day, DST or not.
	c := warroom.NewBusinessCalendar(berlin, warroom.DefaultWeekend, nil)
	if got := c.ReviewReminderAt(date("2026-03-30")); got.Hour() != 9 || got.UTC().Hour() != 7 {
		t.Errorf("reminder after the spring change = %s", got)
	}
	if got := c.ReviewReminderAt(date("2026-03-27")); got.UTC().Hour() != 8 {
		t.Errorf("reminder before the spring change = %s", got)
	}
}

func TestDateArithmetic(t *testing.T) {
	for _, tt := range []struct {
		from string
		n    int
		want string
	}{{"2026-12-31", 1, "2027-01-01"}, {"2027-03-01", -1, "2027-02-28"}, {"2028-02-28", 1, "2028-02-29"}, {"2026-01-31", 30, "2026-03-02"}} {
		if got := date(tt.from).AddDays(tt.n).String(); got != tt.want {
			t.Errorf("%s + %d = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
	if _, err := warroom.ParseDate("2026-02-30"); err == nil {
		t.Error("30 February parsed")
	}
}

func TestParseWeekend(t *testing.T) {
	got, err := warroom.ParseWeekend("Fri, saturday")
	if err != nil || !slices.Equal(got, []time.Weekday{time.Friday, time.Saturday}) {
		t.Errorf("ParseWeekend = %v, %v", got, err)
	}
	if got, err := warroom.ParseWeekend("none"); err != nil || len(got) != 0 {
		t.Errorf("none = %v, %v", got, err)
	}
	for _, bad := range []string{"sat,holiday", "", "mon,tue,wed,thu,fri,sat,sun"} {
		if _, err := warroom.ParseWeekend(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseHolidays(t *testing.T) {
	data, err := os.ReadFile("testdata/holidays-de-bw.ics")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := warroom.ParseHolidays(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, h.Date.String()+" "+h.Name)
	}
	want := []string{"2026-12-24 Christmas, Boxing Day", "2026-12-25 Christmas, Boxing Day", "2026-12-26 Christmas, Boxing Day",
		"2026-01-01 New Year", "2027-01-01 New Year", "2028-01-01 New Year",
		"2027-01-06 Heilige Drei Könige (a long name folded over two lines)",
		"2026-12-29 Team offsite (evening in New York)"}
	if !slices.Equal(got, want) {
		t.Errorf("holidays:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	bad := []struct {
		name, text, want string
	}{
		{"not a calendar", "hello", "not an iCalendar file: it must start with BEGIN:VCALENDAR"},
		{"unclosed", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\n", "an event is not closed: END:VEVENT is missing"},
		{"no end", "BEGIN:VCALENDAR\r\n", "the calendar is not closed: END:VCALENDAR is missing"},
		{"no start", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 4: an event without DTSTART"},
		{"bad date", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261324\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", `line 3: DTSTART "20261324" is not a date`},
		{"weekly rule", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 4: RRULE FREQ=WEEKLY is not supported in a holiday calendar"},
		{"unknown zone", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Mars/Olympus:20261224T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", `line 3: unknown time zone "Mars/Olympus"`},
		{"end before start", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261220\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 4: DTEND is before DTSTART"},
		{"binary", "BEGIN:VCALENDAR\r\n\xff\xfe", "the calendar is not UTF-8 text"},
	}
	for _, tt := range bad {
		_, err := warroom.ParseHolidays([]byte(tt.text))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestInvitationICS(t *testing.T) {
	start := time.Date(2026, 12, 9, 14, 0, 0, 0, time.UTC)
	inv := warroom.Invitation{UID: "pmr-inc-1@warroom", Sequence: 2, Stamp: start.Add(-48 * time.Hour), Start: start, End: start.Add(time.Hour),
		Summary: "Post Mortem Review: INC-7 Checkout 500s; payments, refunds", Description: "Blameless.\nBring the timeline.",
		Location:  "https://meet.example/pmr-7",
		Organizer: warroom.Invitee{Name: "Ada Lovelace", Email: "ada@example.com"},
		Attendees: []warroom.Invitee{{Name: "Bob \"the IC\"", Email: "bob@example.com", Required: true},
			{Name: "Cy", Email: "cy@example.com"}}}
	ics := inv.ICS()
	for _, want := range []string{
		"BEGIN:VCALENDAR\r\nPRODID:-//warroom//Post Mortem Review//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n",
		"UID:pmr-inc-1@warroom\r\n", "DTSTAMP:20261207T140000Z\r\n", "SEQUENCE:2\r\n", "DTSTART:20261209T140000Z\r\n", "DTEND:20261209T150000Z\r\n",
		"SUMMARY:Post Mortem Review: INC-7 Checkout 500s\\; payments\\, refunds\r\n", "DESCRIPTION:Blameless.\\nBring the timeline.\r\n",
		"ORGANIZER;CN=\"Ada Lovelace\":mailto:ada@example.com\r\n",
		"ATTENDEE;CN=\"Bob the IC\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TR\r\n UE:mailto:bob@example.com\r\n",
		"ATTENDEE;CN=\"Cy\";ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailt\r\n o:cy@example.com\r\n",
		"END:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		if !strings.Contains(ics, want) {
			t.Errorf("invitation lacks %q:\n%s", want, ics)
		}
	}
	for _, l := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line over 75 octets: %q", l)
		}
	}
	// Folding never splits a UTF-8 sequence, and unfolding restores it.
	long := warroom.Invitation{Summary: strings.Repeat("Überprüfung ", 20)}.ICS()
	if !strings.Contains(strings.ReplaceAll(long, "\r\n ", ""), "SUMMARY:"+strings.Repeat("Überprüfung ", 19)+"Überprüfung \r\n") {
		t.Errorf("folded summary does not unfold:\n%s", long)
	}
	hs, err := warroom.ParseHolidays([]byte(strings.Replace(ics, "DTSTART:20261209T140000Z", "DTSTART:20261209T140000Z", 1)))
	if err != nil || len(hs) != 1 || hs[0].Date.String() != "2026-12-09" {
		t.Errorf("our own invitation reads back as %v, %v", hs, err)
	}
}
