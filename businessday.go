package warroom

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Business days (seed 004: the Post Mortem Review happens "in the next 5
// business days after recovery"). A business day is a calendar day, in
// the organisation's time zone, that is neither a weekend day nor a
// holiday of the calendar that applies. Days are counted as dates in that
// zone, never as 24-hour spans, so a DST change moves nothing.

// Date is a calendar day, without a time or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date like 2026-12-24", s)
	}
	return DateOf(t, time.UTC), nil
}

// String is YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// MarshalText writes YYYY-MM-DD; the zero Date is "".
func (d Date) MarshalText() ([]byte, error) {
	if d == (Date{}) {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads YYYY-MM-DD; "" is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// AddDays returns the date n days later (earlier for negative n),
// normalizing month and year ends.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Start is the first instant of d in loc (midnight, or the first instant
// after a DST gap that skips midnight).
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// At is the wall-clock time hour:00 of d in loc.
func (d Date) At(hour int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, loc)
}

// Holiday is a day off in a holiday calendar.
type Holiday struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

// HolidayCalendar is a named set of holidays, of a region or a team
// (imported from an iCalendar file, ical.go). Teams are the teams (IDs)
// whose incidents it counts for.
type HolidayCalendar struct {
	Name       string    `json:"name"`
	Teams      []string  `json:"teams,omitempty"`
	Holidays   []Holiday `json:"holidays"`
	ImportedAt time.Time `json:"imported_at"`
}

// ValidCalendarName checks a calendar's name: a short slug.
func ValidCalendarName(name string) error {
	if name == "" || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return Invalid("name", "a calendar name is 1 to 64 lower-case letters, digits, - and _, like de-bw or sre-emea")
	}
	return nil
}

// DefaultWeekend is Saturday and Sunday.
var DefaultWeekend = []time.Weekday{time.Saturday, time.Sunday}

// ParseWeekend reads a weekend setting: day names or their first three
// letters, comma-separated ("sat,sun", "fri,sat"); "none" for none.
func ParseWeekend(s string) ([]time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "none" {
		return []time.Weekday{}, nil
	}
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		found := false
		for d := time.Sunday; d <= time.Saturday; d++ {
			name := strings.ToLower(d.String())
			if part != "" && (part == name || part == name[:3]) {
				if !slices.Contains(out, d) {
					out = append(out, d)
				}
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%q is not a day of the week (write sat,sun or none)", part)
		}
	}
	if len(out) == 7 {
		return nil, fmt.Errorf("a weekend of seven days leaves no business day")
	}
	return out, nil
}

// BusinessCalendar says which days are business days: not a weekend day,
// not a holiday, in Location.
type BusinessCalendar struct {
	Name     string // the holiday calendar's, "" for weekends alone
	Location *time.Location
	Weekend  []time.Weekday
	Holidays map[Date]string
}

// NewBusinessCalendar makes the calendar of loc and weekend with the
// holidays of hc (nil: none).
func NewBusinessCalendar(loc *time.Location, weekend []time.Weekday, hc *HolidayCalendar) BusinessCalendar {
	c := BusinessCalendar{Location: loc, Weekend: weekend, Holidays: map[Date]string{}}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if hc != nil {
		c.Name = hc.Name
		for _, h := range hc.Holidays {
			c.Holidays[h.Date] = h.Name
		}
	}
	return c
}

// IsBusinessDay reports whether d is a business day.
func (c BusinessCalendar) IsBusinessDay(d Date) bool {
	if slices.Contains(c.Weekend, d.Weekday()) {
		return false
	}
	_, holiday := c.Holidays[d]
	return !holiday
}

// AddBusinessDays returns the nth business day after d (n >= 1).
func (c BusinessCalendar) AddBusinessDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// ReviewDue is when the Post Mortem Review is due for an incident
// recovered at recovered: the end of the days-th business day after the
// day of recovery (the first instant of the next day, in the calendar's
// zone), and that last business day.
func (c BusinessCalendar) ReviewDue(recovered time.Time, days int) (time.Time, Date) {
	last := c.AddBusinessDays(DateOf(recovered, c.Location), days)
	return last.AddDays(1).Start(c.Location), last
}

// ReviewReminderAt is when the Incident Owner is reminded of a review
// whose last business day is last: 09:00 that morning, in the calendar's
// zone.
func (c BusinessCalendar) ReviewReminderAt(last Date) time.Time { return last.At(9, c.Location) }
