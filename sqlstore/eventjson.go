package sqlstore

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/warroom/warroom"
)

// Reading a timeline is dominated by decoding its events' JSON, and
// encoding/json spends most of its time on reflection and on validating
// the input before decoding it. Events are stored as encoding/json wrote
// them, so decodeEvent reads that shape directly: fields become substrings
// of the row's text (no copies), times are parsed without reflection.
// Anything it does not recognize (an unknown or nested field, an escape
// sequence, null, a number that is not a plain integer) makes it hand the
// whole event to encoding/json, so it is never less correct, only
// sometimes not faster. TestDecodeEventMatchesEncodingJSON holds it to
// encoding/json's result.

// marshalEvent encodes an event for storage. HTML escaping is off: it
// protects nothing here and would turn every "<" or "&" in a note into an
// escape sequence that decodeEvent must hand to encoding/json.
func marshalEvent(e *warroom.Event) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return "", fmt.Errorf("sqlstore: encode event: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// decodeEvent decodes one stored event.
func decodeEvent(data string, e *warroom.Event) error {
	if (&eventParser{s: data}).event(e) {
		return nil
	}
	*e = warroom.Event{}
	if err := json.Unmarshal([]byte(data), e); err != nil {
		return fmt.Errorf("sqlstore: decode event: %w", err)
	}
	return nil
}

// parallelDecodeMin is the number of events from which decoding is spread
// over the available CPUs; below it goroutines cost more than they save.
const parallelDecodeMin = 1024

// decodeEvents decodes rows into events, which has the same length.
func decodeEvents(rows []string, events []warroom.Event) error {
	workers := min(runtime.GOMAXPROCS(0), len(rows)/parallelDecodeMin)
	if workers <= 1 {
		return decodeRange(rows, events)
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	chunk := (len(rows) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(rows))
		wg.Go(func() { errs[w] = decodeRange(rows[lo:hi], events[lo:hi]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func decodeRange(rows []string, events []warroom.Event) error {
	for i := range rows {
		if err := decodeEvent(rows[i], &events[i]); err != nil {
			return err
		}
	}
	return nil
}

// eventParser reads an event object as encoding/json writes it. Each
// method reports whether it could; false means "let encoding/json do it".
type eventParser struct {
	s string
	i int
}

func (p *eventParser) event(e *warroom.Event) bool {
	if !p.consume('{') {
		return false
	}
	if p.consume('}') {
		return p.end()
	}
	for {
		key, ok := p.plainString()
		if !ok || !p.consume(':') || !p.field(key, e) {
			return false
		}
		if !p.consume(',') {
			return p.consume('}') && p.end()
		}
	}
}

// field decodes the value of one key. Keys of pointer, slice or nested
// values are not handled: the events carrying them are rare.
func (p *eventParser) field(key string, e *warroom.Event) bool {
	switch key {
	case "incident_id":
		return p.str(&e.IncidentID)
	case "seq":
		return p.int(&e.Seq)
	case "type":
		return p.str((*string)(&e.Type))
	case "at":
		return p.time(&e.At)
	case "actor_id":
		return p.str(&e.ActorID)
	case "actor_team_id":
		return p.str(&e.ActorTeamID)
	case "text":
		return p.str(&e.Text)
	case "reason":
		return p.str(&e.Reason)
	case "trade_off":
		return p.str(&e.TradeOff)
	case "evidence":
		return p.str(&e.Evidence)
	case "ref":
		return p.int(&e.Ref)
	case "stage":
		return p.str((*string)(&e.Stage))
	case "from_stage":
		return p.str((*string)(&e.FromStage))
	case "severity":
		return p.str((*string)(&e.Severity))
	case "from_severity":
		return p.str((*string)(&e.FromSeverity))
	case "role":
		return p.str((*string)(&e.Role))
	case "user_id":
		return p.str(&e.UserID)
	case "user_team_id":
		return p.str(&e.UserTeamID)
	case "previous_user_id":
		return p.str(&e.PreviousUserID)
	case "hypothesis_status":
		return p.str(&e.HypothesisStatus)
	case "url":
		return p.str(&e.URL)
	case "title":
		return p.str(&e.Title)
	}
	return false
}

func (p *eventParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *eventParser) consume(c byte) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *eventParser) end() bool {
	p.skipSpace()
	return p.i == len(p.s)
}

// plainString reads a string without escapes and returns it as a
// substring of the input.
func (p *eventParser) plainString() (string, bool) {
	if !p.consume('"') {
		return "", false
	}
	// The JSON was written by encoding/json, which escapes control
	// characters and writes valid UTF-8, so finding the closing quote and
	// making sure there is no escape before it is enough; both are
	// vectorized scans, which matters on a 10,000-event timeline.
	end := strings.IndexByte(p.s[p.i:], '"')
	if end < 0 {
		return "", false
	}
	v := p.s[p.i : p.i+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	p.i += end + 1
	return v, true
}

// str reads a string value. One with escapes (quotes, newlines in a note)
// is handed to encoding/json alone, not the whole event.
func (p *eventParser) str(dst *string) bool {
	start := p.i
	v, ok := p.plainString()
	if ok {
		*dst = v
		return true
	}
	p.i = start
	p.skipSpace()
	start = p.i
	if !p.skipString() {
		return false
	}
	return json.Unmarshal([]byte(p.s[start:p.i]), dst) == nil
}

// skipString moves past a string, escapes and all.
func (p *eventParser) skipString() bool {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return false
	}
	for p.i++; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			p.i++
		case '"':
			p.i++
			return true
		}
	}
	return false
}

// int reads a plain decimal integer of at most 18 digits, which cannot
// overflow an int64.
func (p *eventParser) int(dst *int64) bool {
	p.skipSpace()
	neg := p.i < len(p.s) && p.s[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var n int64
	for ; p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9'; p.i++ {
		n = n*10 + int64(p.s[p.i]-'0')
	}
	digits := p.i - start
	if digits == 0 || digits > 18 || (digits > 1 && p.s[start] == '0') {
		return false
	}
	if p.i < len(p.s) && (p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		return false
	}
	if neg {
		n = -n
	}
	*dst = n
	return true
}

// time reads an RFC 3339 time as time.Time's MarshalJSON writes it.
func (p *eventParser) time(dst *time.Time) bool {
	v, ok := p.plainString()
	if !ok {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	*dst = t
	return err == nil
}
