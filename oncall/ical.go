package oncall

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ICalOptions describes a calendar feed written by ICal.
type ICalOptions struct {
	// Name is the calendar's display name (X-WR-CALNAME); optional.
	Name string
	// UIDDomain is the right-hand side of every event UID, e.g. the
	// warroom host name, so UIDs are unique across installations.
	UIDDomain string
	// Stamp is the DTSTAMP of every event, normally when the feed was
	// generated. Required: this package never reads the clock.
	Stamp time.Time
	// DisplayName maps a user ID to the name in SUMMARY; nil uses the ID.
	DisplayName func(userID string) string
}

const icalStamp = "20060102T150405Z"

// ICal writes shifts as an RFC 5545 iCalendar feed: one VEVENT per shift
// with DTSTART/DTEND in UTC, CRLF line endings, lines folded at 75 octets
// and TEXT values escaped. Event UIDs derive from schedule, user and start,
// so they are stable across renderings as long as the shift start is
// (choose the feed window so it does not clip shifts, e.g. start it at a
// past midnight). A feed without shifts has no VEVENT, which calendar
// clients accept.
func ICal(w io.Writer, opt ICalOptions, shifts []Shift) error {
	if opt.UIDDomain == "" {
		return errors.New("oncall: ical: UID domain is required")
	}
	if opt.Stamp.IsZero() {
		return errors.New("oncall: ical: stamp is required")
	}
	lw := &lineWriter{w: w}
	lw.line("BEGIN:VCALENDAR")
	lw.line("VERSION:2.0")
	lw.line("PRODID:-//warroom//oncall//EN")
	lw.line("CALSCALE:GREGORIAN")
	lw.line("METHOD:PUBLISH")
	if opt.Name != "" {
		lw.line("X-WR-CALNAME:" + escapeText(opt.Name))
	}
	for i, s := range shifts {
		if !s.End.After(s.Start) {
			return fmt.Errorf("oncall: ical: shift %d (user %q) does not end after it starts", i, s.UserID)
		}
		writeEvent(lw, opt, s)
	}
	lw.line("END:VCALENDAR")
	return lw.err
}

func writeEvent(lw *lineWriter, opt ICalOptions, s Shift) {
	name := s.UserID
	if opt.DisplayName != nil {
		name = opt.DisplayName(s.UserID)
	}
	lw.line("BEGIN:VEVENT")
	lw.line("UID:" + escapeText(eventUID(s, opt.UIDDomain)))
	lw.line("DTSTAMP:" + opt.Stamp.UTC().Format(icalStamp))
	lw.line("DTSTART:" + s.Start.UTC().Format(icalStamp))
	lw.line("DTEND:" + s.End.UTC().Format(icalStamp))
	lw.line("SUMMARY:" + escapeText("On call: "+name))
	lw.line("DESCRIPTION:" + escapeText("Schedule: "+s.ScheduleID+"\nLayer: "+s.Layer))
	// On call is not "busy": it must not block meeting slots.
	lw.line("TRANSP:TRANSPARENT")
	lw.line("END:VEVENT")
}

// eventUID is "<start>-<hash(schedule, user)>@domain". Hashing keeps
// arbitrary IDs out of the UID while keeping it stable and unique.
func eventUID(s Shift, domain string) string {
	h := sha256.Sum256([]byte(s.ScheduleID + "\x00" + s.UserID))
	return s.Start.UTC().Format(icalStamp) + "-" + hex.EncodeToString(h[:8]) + "@" + domain
}

// textEscaper escapes RFC 5545 TEXT (section 3.3.11). "\r\n" is listed
// before "\r" so a CRLF becomes one escaped newline, not two.
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`,
	"\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// escapeText escapes s as a TEXT value and drops the control characters
// TEXT may not contain (all but tab).
func escapeText(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, textEscaper.Replace(s))
}

// foldLine folds a content line per RFC 5545 section 3.1: no physical line
// longer than 75 octets (excluding CRLF), continuations start with one
// space, and a UTF-8 sequence is never split.
func foldLine(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts toward the 75 octets
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

// lineWriter writes folded content lines and keeps the first write error,
// so ICal can check once at the end.
type lineWriter struct {
	w   io.Writer
	err error
}

func (lw *lineWriter) line(s string) {
	if lw.err == nil {
		_, lw.err = io.WriteString(lw.w, foldLine(s))
	}
}
