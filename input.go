package warroom

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Both databases must accept exactly the same input: a delivery or a
// request that SQLite would store and PostgreSQL would refuse fails on
// one installation and not on another, and on PostgreSQL it used to fail
// every other delivery committed with it. So what PostgreSQL cannot store
// is refused where input is parsed (intake for alerts, the HTTP API's
// JSON decoding for everything else), with a 400 naming the field, and
// the limits below are the one list of them.
//
// PostgreSQL refuses, where SQLite does not:
//   - a NUL character in text (SQLSTATE 22021), and \u0000 in jsonb
//     (22P05);
//   - bytes that are not UTF-8 (22021), and in jsonb a \u escape of half
//     a UTF-16 surrogate pair (22P02);
//   - an index entry larger than 2,704 bytes (54000): a key that is
//     indexed must stay well below that, with the other columns of its
//     index beside it.

// Length limits of the indexed strings that come from outside. Each is
// well below PostgreSQL's 2,704-byte index entry, measured in bytes where
// a character could take four.
const (
	// MaxKeyChars bounds an alert's dedup key (a PagerDuty dedup_key, a
	// generic webhook dedup_key, an Alertmanager fingerprint): PagerDuty's
	// own limit of 255 characters, at most 1,020 bytes (alerts_open_key).
	// Alertmanager's fingerprints are 16 hex digits.
	MaxKeyChars = 255
	// MaxGroupKeyBytes bounds an alert's group key (an Alertmanager
	// groupKey, a generic webhook group_key), indexed by alerts_group and
	// alert_group_incidents: 2,048 bytes, many times the groupKey of an
	// Alertmanager route grouping by a handful of labels.
	MaxGroupKeyBytes = 2048
	// MaxNameChars bounds the unique names of escalation policies and
	// schedules: 200 characters, as a user's name.
	MaxNameChars = 200
	// MaxEmailBytes bounds an e-mail address: RFC 5321's 254.
	MaxEmailBytes = 254
	// MaxAddressBytes bounds a contact method's address (an e-mail
	// address, a webhook or Slack URL), which messages_sent indexes as
	// a message's destination.
	MaxAddressBytes = 2048
)

// TextProblem says why s cannot be stored as text on both databases: it
// holds a NUL character, or bytes that are not UTF-8. "" when it can.
func TextProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character (\\u0000), which cannot be stored"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	return ""
}

// JSONTextProblem finds the first string of the JSON document doc, a
// member name or a value at any depth, that cannot be stored on both
// databases: one holding a NUL character (raw or \u0000), bytes that are
// not UTF-8, or a \u escape of half a surrogate pair (which PostgreSQL's
// jsonb refuses). It returns its path, as "alerts[2].labels.job" (a
// member name's problem is reported at the object holding it), and the
// problem; "", "" when there is none. doc must be valid JSON (decode it
// first): the walk stops, finding nothing, at anything else.
//
// Only the bytes are looked at, and a document of printable ASCII without
// \u escapes, as monitoring tools send, is passed after one quick scan.
func JSONTextProblem(doc []byte) (path, problem string) {
	if utf8.Valid(doc) && !bytes.Contains(doc, []byte(`\u`)) {
		return "", ""
	}
	w := jsonWalker{doc: doc}
	w.value()
	if w.problem == "" {
		return "", ""
	}
	return w.path(), w.problem
}

// jsonWalker walks a valid JSON document, keeping the path to where it
// is, until it finds a string that cannot be stored.
type jsonWalker struct {
	doc     []byte
	i       int
	stack   []pathElem
	problem string
}

// pathElem is a step of a path: a member name, or an array index when
// name is "" and index >= 0.
type pathElem struct {
	name  string
	index int
}

func (w *jsonWalker) path() string {
	var b strings.Builder
	for _, e := range w.stack {
		if e.index >= 0 {
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.name)
	}
	return b.String()
}

func (w *jsonWalker) ws() {
	for w.i < len(w.doc) {
		switch w.doc[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// value walks one value; false when a problem was found or the document
// is not valid JSON.
func (w *jsonWalker) value() bool {
	w.ws()
	if w.i >= len(w.doc) {
		return false
	}
	switch w.doc[w.i] {
	case '"':
		_, ok := w.str()
		return ok
	case '{':
		return w.container('}')
	case '[':
		return w.container(']')
	}
	// A number or a literal: skip to the next delimiter.
	for w.i < len(w.doc) {
		switch w.doc[w.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return true
		}
		w.i++
	}
	return true
}

// container walks an object or an array at w.i, whichever close ('}' or
// ']') ends, keeping on the path the member name or index of the value
// it walks.
func (w *jsonWalker) container(close byte) bool {
	w.i++ // { or [
	w.ws()
	if w.i < len(w.doc) && w.doc[w.i] == close {
		w.i++
		return true
	}
	for n := 0; w.i < len(w.doc); n++ {
		elem := pathElem{index: n}
		if close == '}' {
			name, ok := w.memberName()
			if !ok {
				return false
			}
			elem = pathElem{name: name, index: -1}
		}
		w.stack = append(w.stack, elem)
		if !w.value() {
			return false
		}
		w.stack = w.stack[:len(w.stack)-1]
		w.ws()
		if w.i >= len(w.doc) {
			return false
		}
		c := w.doc[w.i]
		w.i++
		if c == close {
			return true
		}
		if c != ',' {
			return false
		}
	}
	return false
}

// memberName reads an object member's name and the colon after it.
func (w *jsonWalker) memberName() (string, bool) {
	w.ws()
	name, ok := w.str()
	if !ok {
		return "", false
	}
	w.ws()
	if w.i >= len(w.doc) || w.doc[w.i] != ':' {
		return "", false
	}
	w.i++
	return name, true
}

// str reads a string at w.i and returns it as written between its quotes
// (escapes left as they are: it is only a name in a path). On a problem
// it sets w.problem and returns false.
func (w *jsonWalker) str() (string, bool) {
	if w.i >= len(w.doc) || w.doc[w.i] != '"' {
		return "", false
	}
	w.i++
	start := w.i
	for w.i < len(w.doc) {
		c := w.doc[w.i]
		switch {
		case c == '"':
			w.i++
			return string(w.doc[start : w.i-1]), true
		case c == 0:
			w.problem = TextProblem("\x00")
			return "", false
		case c == '\\':
			if w.i+1 < len(w.doc) && w.doc[w.i+1] == 'u' {
				if !w.unicodeEscape() {
					return "", false
				}
				continue
			}
			w.i += 2
		case c < utf8.RuneSelf:
			w.i++
		default:
			r, size := utf8.DecodeRune(w.doc[w.i:])
			if r == utf8.RuneError && size == 1 {
				w.problem = "is not valid UTF-8"
				return "", false
			}
			w.i += size
		}
	}
	return "", false
}

// unicodeEscape reads a \uXXXX escape (a pair of them for a character
// outside the Basic Multilingual Plane) at w.i.
func (w *jsonWalker) unicodeEscape() bool {
	r, ok := w.hex4(w.i)
	if !ok {
		return false
	}
	w.i += 6
	switch {
	case r == 0:
		w.problem = TextProblem("\x00")
		return false
	case r >= 0xDC00 && r < 0xE000:
		w.problem = "contains \\u" + strconv.FormatInt(int64(r), 16) + ", the second half of a UTF-16 surrogate pair without its first"
		return false
	case r >= 0xD800 && r < 0xDC00:
		if w.i+1 < len(w.doc) && w.doc[w.i] == '\\' && w.doc[w.i+1] == 'u' {
			if low, ok := w.hex4(w.i); ok && low >= 0xDC00 && low < 0xE000 {
				w.i += 6
				return true
			}
		}
		w.problem = "contains \\u" + strconv.FormatInt(int64(r), 16) + ", the first half of a UTF-16 surrogate pair without its second"
		return false
	}
	return true
}

// hex4 reads the four hex digits of the \u escape at i.
func (w *jsonWalker) hex4(i int) (rune, bool) {
	if i+6 > len(w.doc) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(w.doc[i+2:i+6]), 16, 32)
	return rune(n), err == nil
}
