package warroom

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// iCalendar (RFC 5545), both ways: holiday calendars are imported from
// .ics files (ParseHolidays), and the Post Mortem Review invitation is an
// .ics request (Invitation.ICS). Only what those two need is here.

// Limits of a holiday calendar file.
const (
	MaxCalendarBytes   = 2 << 20
	maxHolidays        = 5000
	maxHolidaySpanDays = 31  // an all-day event longer than this is no holiday
	yearlyExpandYears  = 10  // a yearly holiday without an end is expanded this many years
	maxRuleCount       = 100 // COUNT of a yearly rule at most
)

// icalLine is one unfolded content line: name, parameters, value, and the
// line number it started on (for errors).
type icalLine struct {
	name   string
	params map[string]string
	value  string
	n      int
}

// unfold splits a file into content lines, joining folded ones (a line
// that starts with a space or a tab continues the one before).
func unfold(text string) []icalLine {
	var out []icalLine
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var cur strings.Builder
	start := 0
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, parseICalLine(cur.String(), start))
			cur.Reset()
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			cur.WriteString(l[1:])
			continue
		}
		flush()
		cur.WriteString(strings.TrimRight(l, "\r"))
		start = i + 1
	}
	flush()
	return out
}

// parseICalLine splits NAME;P=V;P2="V":VALUE; a colon inside a quoted
// parameter value does not end the parameters.
func parseICalLine(s string, n int) icalLine {
	l := icalLine{params: map[string]string{}, n: n}
	inQuote, colon := false, -1
	for i, c := range s {
		if c == '"' {
			inQuote = !inQuote
		}
		if c == ':' && !inQuote {
			colon = i
			break
		}
	}
	if colon < 0 {
		l.name = strings.ToUpper(s)
		return l
	}
	head, value := s[:colon], s[colon+1:]
	parts := strings.Split(head, ";")
	l.name, l.value = strings.ToUpper(parts[0]), value
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		l.params[strings.ToUpper(k)] = strings.Trim(v, `"`)
	}
	return l
}

// unescapeText reads an iCalendar TEXT value.
func unescapeText(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n", `\N`, "\n").Replace(s)
}

// parseICalDate reads a DATE or DATE-TIME value as the day it falls on:
// a UTC time on its day in UTC, a time with a TZID on its day there, a
// floating time on its own date.
func parseICalDate(l icalLine) (Date, error) {
	v := l.value
	if len(v) < 8 {
		return Date{}, fmt.Errorf("line %d: %s %q is not a date", l.n, l.name, v)
	}
	day, err := time.Parse("20060102", v[:8])
	if err != nil {
		return Date{}, fmt.Errorf("line %d: %s %q is not a date", l.n, l.name, v)
	}
	if len(v) == 8 {
		return DateOf(day, time.UTC), nil
	}
	rest := v[8:]
	if !strings.HasPrefix(rest, "T") || (len(rest) != 7 && !(len(rest) == 8 && rest[7] == 'Z')) {
		return Date{}, fmt.Errorf("line %d: %s %q is not a date or date-time", l.n, l.name, v)
	}
	if rest[len(rest)-1] == 'Z' {
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return Date{}, fmt.Errorf("line %d: %s %q is not a date-time", l.n, l.name, v)
		}
		return DateOf(t, time.UTC), nil
	}
	loc := time.UTC
	if tz := l.params["TZID"]; tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			return Date{}, fmt.Errorf("line %d: unknown time zone %q", l.n, tz)
		}
	}
	t, err := time.ParseInLocation("20060102T150405", v, loc)
	if err != nil {
		return Date{}, fmt.Errorf("line %d: %s %q is not a date-time", l.n, l.name, v)
	}
	return DateOf(t, loc), nil
}

// yearlyRule reads an RRULE: only yearly repetition, which holiday
// calendars use for fixed-date holidays, is understood; anything else is
// refused rather than half-read.
func yearlyRule(l icalLine, start Date) (years []int, err error) {
	parts := map[string]string{}
	for _, p := range strings.Split(l.value, ";") {
		k, v, _ := strings.Cut(p, "=")
		parts[strings.ToUpper(k)] = strings.ToUpper(v)
	}
	if parts["FREQ"] != "YEARLY" {
		return nil, fmt.Errorf("line %d: RRULE %s is not supported in a holiday calendar (only FREQ=YEARLY; list each day instead)", l.n, l.value)
	}
	for k := range parts {
		switch k {
		case "FREQ", "COUNT", "UNTIL", "INTERVAL":
		default:
			return nil, fmt.Errorf("line %d: RRULE part %s is not supported in a holiday calendar (only FREQ=YEARLY with COUNT, UNTIL, INTERVAL)", l.n, k)
		}
	}
	interval := 1
	if v := parts["INTERVAL"]; v != "" {
		if interval, err = strconv.Atoi(v); err != nil || interval < 1 {
			return nil, fmt.Errorf("line %d: RRULE INTERVAL %q is not a positive number", l.n, v)
		}
	}
	last := start.Year + yearlyExpandYears
	count := -1
	if v := parts["COUNT"]; v != "" {
		if count, err = strconv.Atoi(v); err != nil || count < 1 || count > maxRuleCount {
			return nil, fmt.Errorf("line %d: RRULE COUNT %q is not a number from 1 to %d", l.n, v, maxRuleCount)
		}
	}
	if v := parts["UNTIL"]; v != "" {
		until, err := parseICalDate(icalLine{name: "UNTIL", value: v, n: l.n})
		if err != nil {
			return nil, err
		}
		last = until.Year
		if (Date{until.Year, start.Month, start.Day}).String() > until.String() {
			last--
		}
	}
	for y := start.Year; y <= last && count != 0; y += interval {
		years = append(years, y)
		count--
	}
	return years, nil
}

// ParseHolidays reads the all-day events of an iCalendar file as
// holidays: each day from DTSTART to before DTEND (one day without
// DTEND), with SUMMARY as the name, yearly rules expanded, cancelled
// events left out. Errors name the line and what is wrong.
func ParseHolidays(data []byte) ([]Holiday, error) {
	if len(data) > MaxCalendarBytes {
		return nil, fmt.Errorf("the calendar is over %d bytes", MaxCalendarBytes)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("the calendar is not UTF-8 text")
	}
	lines := unfold(string(data))
	if len(lines) == 0 || lines[0].name != "BEGIN" || strings.ToUpper(lines[0].value) != "VCALENDAR" {
		return nil, fmt.Errorf("not an iCalendar file: it must start with BEGIN:VCALENDAR")
	}
	var out []Holiday
	seen := map[Date]bool{}
	var ev []icalLine
	inEvent, ended := false, false
	for _, l := range lines[1:] {
		switch {
		case l.name == "BEGIN" && strings.ToUpper(l.value) == "VEVENT":
			if inEvent {
				return nil, fmt.Errorf("line %d: BEGIN:VEVENT inside an event", l.n)
			}
			inEvent, ev = true, nil
		case l.name == "END" && strings.ToUpper(l.value) == "VEVENT":
			if !inEvent {
				return nil, fmt.Errorf("line %d: END:VEVENT without BEGIN:VEVENT", l.n)
			}
			inEvent = false
			hs, err := eventHolidays(ev, l.n)
			if err != nil {
				return nil, err
			}
			for _, h := range hs {
				if !seen[h.Date] {
					seen[h.Date] = true
					out = append(out, h)
				}
			}
			if len(out) > maxHolidays {
				return nil, fmt.Errorf("the calendar has more than %d holidays", maxHolidays)
			}
		case l.name == "END" && strings.ToUpper(l.value) == "VCALENDAR":
			ended = true
		case inEvent:
			ev = append(ev, l)
		}
	}
	if inEvent {
		return nil, fmt.Errorf("an event is not closed: END:VEVENT is missing")
	}
	if !ended {
		return nil, fmt.Errorf("the calendar is not closed: END:VCALENDAR is missing")
	}
	return out, nil
}

// eventHolidays turns one VEVENT (ending on line end) into its days.
func eventHolidays(ev []icalLine, end int) ([]Holiday, error) {
	var start, stop *icalLine
	var rule *icalLine
	name := ""
	for i := range ev {
		switch ev[i].name {
		case "DTSTART":
			start = &ev[i]
		case "DTEND":
			stop = &ev[i]
		case "RRULE":
			rule = &ev[i]
		case "SUMMARY":
			name = unescapeText(ev[i].value)
		case "STATUS":
			if strings.EqualFold(ev[i].value, "CANCELLED") {
				return nil, nil
			}
		}
	}
	if start == nil {
		return nil, fmt.Errorf("line %d: an event without DTSTART", end)
	}
	first, err := parseICalDate(*start)
	if err != nil {
		return nil, err
	}
	days := 1
	if stop != nil {
		last, err := parseICalDate(*stop)
		if err != nil {
			return nil, err
		}
		if last.String() < first.String() {
			return nil, fmt.Errorf("line %d: DTEND is before DTSTART", stop.n)
		}
		for d := first; d.String() < last.String(); d = d.AddDays(1) {
			if days++; days > maxHolidaySpanDays+1 {
				return nil, fmt.Errorf("line %d: an event of more than %d days is not a holiday", stop.n, maxHolidaySpanDays)
			}
		}
		if days > 1 && len(start.value) == 8 {
			days-- // an all-day DTEND is exclusive
		}
	}
	years := []int{first.Year}
	if rule != nil {
		if years, err = yearlyRule(*rule, first); err != nil {
			return nil, err
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "holiday"
	}
	var out []Holiday
	for _, y := range years {
		d0 := time.Date(y, first.Month, first.Day, 12, 0, 0, 0, time.UTC)
		if d0.Month() != first.Month {
			continue // 29 February in a year without it (RFC 5545: skipped)
		}
		base := DateOf(d0, time.UTC)
		for i := range days {
			out = append(out, Holiday{Date: base.AddDays(i), Name: name})
		}
	}
	return out, nil
}

// Invitee is a person invited to a meeting.
type Invitee struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Required bool   `json:"required"`
}

// Invitation is a meeting request. UID stays the same across
// reschedules; Sequence grows with each, so calendars update the meeting
// instead of adding another.
type Invitation struct {
	UID         string
	Sequence    int
	Stamp       time.Time
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	Organizer   Invitee
	Attendees   []Invitee
}

// ICS renders the invitation as an iCalendar request (RFC 5545, METHOD
// REQUEST): required attendees with ROLE=REQ-PARTICIPANT, the others with
// ROLE=OPT-PARTICIPANT; CRLF line ends, lines folded at 75 octets.
func (inv Invitation) ICS() string {
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICal(s)) }
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	line("BEGIN:VCALENDAR")
	line("PRODID:-//warroom//Post Mortem Review//EN")
	line("VERSION:2.0")
	line("CALSCALE:GREGORIAN")
	line("METHOD:REQUEST")
	line("BEGIN:VEVENT")
	line("UID:" + escapeText(inv.UID))
	line("DTSTAMP:" + utc(inv.Stamp))
	line("SEQUENCE:" + strconv.Itoa(inv.Sequence))
	line("DTSTART:" + utc(inv.Start))
	line("DTEND:" + utc(inv.End))
	line("SUMMARY:" + escapeText(inv.Summary))
	if inv.Description != "" {
		line("DESCRIPTION:" + escapeText(inv.Description))
	}
	if inv.Location != "" {
		line("LOCATION:" + escapeText(inv.Location))
	}
	if inv.Organizer.Email != "" {
		line("ORGANIZER;CN=" + paramValue(inv.Organizer.Name) + ":mailto:" + inv.Organizer.Email)
	}
	for _, a := range inv.Attendees {
		role := "OPT-PARTICIPANT"
		if a.Required {
			role = "REQ-PARTICIPANT"
		}
		line("ATTENDEE;CN=" + paramValue(a.Name) + ";ROLE=" + role + ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + a.Email)
	}
	line("STATUS:CONFIRMED")
	line("TRANSP:OPAQUE")
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.String()
}

// escapeText writes an iCalendar TEXT value.
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// paramValue quotes a parameter value; DQUOTE cannot appear in one.
func paramValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < ' ' {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}

// foldICal ends a content line with CRLF, folding it into lines of at most
// 75 octets without splitting a UTF-8 sequence.
func foldICal(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
