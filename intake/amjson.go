package intake

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// The Alertmanager webhook is the hot path of intake: a storm brings
// bodies of hundreds of alerts, hundreds of times a second. amReader
// decodes such a body in one pass, without reflection, and takes every
// plain string as a substring of one copy of the body instead of
// allocating each. It only knows the happy path: at anything unusual
// (a syntax or type error, a field name differing from the schema's only
// by case, a field given twice, a null inside labels) it gives up, and
// ParseAlertmanager decodes the body again with encoding/json, whose
// result and error messages stay the reference.

// amReader reads one Alertmanager webhook body.
type amReader struct {
	s     string // the body
	i     int    // the next byte to read
	depth int    // of nested values being skipped
	plain bool   // the last string read was printable ASCII without escapes
}

// maxSkipDepth bounds the nesting of skipped values, as encoding/json
// bounds any (its limit is 10000).
const maxSkipDepth = 1000

// amWebhook fields, as bits of a seen-set.
const (
	amFieldVersion = 1 << iota
	amFieldGroupKey
	amFieldStatus
	amFieldExternalURL
	amFieldAlerts
)

// amAlert fields.
const (
	amAlertStatus = 1 << iota
	amAlertLabels
	amAlertAnnotations
	amAlertStartsAt
	amAlertEndsAt
	amAlertGeneratorURL
	amAlertFingerprint
)

var (
	amWebhookFields = []string{"version", "groupKey", "status", "externalURL", "alerts"}
	amAlertFields   = []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
)

// fieldBit returns the bit of name among fields, 0 for an unknown name,
// or ok false for a name that only encoding/json's case-insensitive
// matching would take for a field.
func fieldBit(fields []string, name string) (bit int, ok bool) {
	for i, f := range fields {
		if name == f {
			return 1 << i, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(name, f) {
			return 0, false
		}
	}
	return 0, true
}

// readAlertmanager decodes body into hook; ok is false when the body
// needs encoding/json (see above).
func readAlertmanager(body []byte, hook *amWebhook) (ok bool) {
	r := &amReader{s: string(body)}
	r.ws()
	if !r.next('{') {
		return false
	}
	seen := 0
	ok = r.object(func(key string) bool {
		bit, ok := fieldBit(amWebhookFields, key)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case amFieldVersion:
			return r.stringOrNull(&hook.Version)
		case amFieldGroupKey:
			return r.stringOrNull(&hook.GroupKey)
		case amFieldStatus:
			return r.stringOrNull(&hook.Status)
		case amFieldExternalURL:
			return r.stringOrNull(&hook.ExternalURL)
		case amFieldAlerts:
			return r.alerts(hook)
		}
		return r.skip()
	})
	if !ok {
		return false
	}
	r.ws()
	return r.i == len(r.s)
}

// alerts reads the alerts array (or null).
func (r *amReader) alerts(hook *amWebhook) bool {
	if r.null() {
		hook.Alerts = nil
		return true
	}
	if !r.next('[') {
		return false
	}
	// About 500 bytes an alert, as Alertmanager sends them.
	hook.Alerts = make([]amAlert, 0, min(len(r.s)/400+1, 1024))
	r.ws()
	if r.next(']') {
		return true
	}
	for {
		hook.Alerts = append(hook.Alerts, amAlert{})
		if !r.alert(&hook.Alerts[len(hook.Alerts)-1]) {
			return false
		}
		r.ws()
		if r.next(']') {
			return true
		}
		if !r.next(',') {
			return false
		}
		r.ws()
	}
}

// alert reads one alert object (or null). Fields outside the schema are
// kept, encoded, in am.extra.
func (r *amReader) alert(am *amAlert) bool {
	if r.null() {
		return true
	}
	if !r.next('{') {
		return false
	}
	seen := 0
	return r.object(func(key string) bool {
		bit, ok := fieldBit(amAlertFields, key)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case amAlertStatus:
			return r.stringOrNull(&am.Status)
		case amAlertLabels:
			return r.stringMap(&am.Labels, &am.labelsJSON)
		case amAlertAnnotations:
			return r.stringMap(&am.Annotations, &am.annotationsJSON)
		case amAlertStartsAt:
			return r.stringOrNull(&am.StartsAt)
		case amAlertEndsAt:
			return r.stringOrNull(&am.EndsAt)
		case amAlertGeneratorURL:
			return r.stringOrNull(&am.GeneratorURL)
		case amAlertFingerprint:
			return r.stringOrNull(&am.Fingerprint)
		}
		start := r.i
		if !r.skip() {
			return false
		}
		am.extra = append(am.extra, amExtra{name: key, value: r.s[start:r.i]})
		return true
	})
}

// stringMap reads an object of strings (or null) into a new map. When the
// object is in the canonical encoding of EncodeStrings (sorted keys, no
// space, no escapes, printable ASCII), *canon is set to its bytes, so
// that it need not be encoded again for the store.
func (r *amReader) stringMap(m *map[string]string, canon *string) bool {
	if r.null() {
		*m = nil
		return true
	}
	start := r.i
	if !r.next('{') {
		return false
	}
	out := make(map[string]string, 8)
	*m = out
	canonical, size, prev := true, 1, ""
	ok := r.object(func(key string) bool {
		keyPlain := r.plain
		v, ok := r.string()
		if !ok {
			return false
		}
		canonical = canonical && keyPlain && r.plain && (len(out) == 0 || key > prev)
		prev = key
		size += len(key) + len(v) + 6
		out[key] = v
		return true
	})
	if ok && canonical && len(out) > 0 && r.i-start == size {
		*canon = r.s[start:r.i]
	}
	return ok
}

// object reads the members of an object whose '{' was read, calling
// member for each with the reader at the value.
func (r *amReader) object(member func(key string) bool) bool {
	r.ws()
	if r.next('}') {
		return true
	}
	for {
		key, ok := r.string()
		if !ok {
			return false
		}
		r.ws()
		if !r.next(':') {
			return false
		}
		r.ws()
		if !member(key) {
			return false
		}
		r.ws()
		if r.next('}') {
			return true
		}
		if !r.next(',') {
			return false
		}
		r.ws()
	}
}

func (r *amReader) ws() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next consumes c if it is the next byte.
func (r *amReader) next(c byte) bool {
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// literal consumes lit if it comes next.
func (r *amReader) literal(lit string) bool {
	if strings.HasPrefix(r.s[r.i:], lit) {
		r.i += len(lit)
		return true
	}
	return false
}

func (r *amReader) null() bool { return r.literal("null") }

// stringOrNull reads a string into dst; null leaves dst as it is, as
// encoding/json does.
func (r *amReader) stringOrNull(dst *string) bool {
	if r.null() {
		return true
	}
	s, ok := r.string()
	if ok {
		*dst = s
	}
	return ok
}

// string reads a JSON string. A plain one (printable ASCII or valid UTF-8,
// no escapes) is a substring of the body; others are decoded by
// encoding/json, so that escapes and invalid UTF-8 come out the same.
func (r *amReader) string() (string, bool) {
	r.plain = false
	if !r.next('"') {
		return "", false
	}
	start := r.i
	plain, ascii := true, true
	for r.i < len(r.s) {
		// Most bytes are plain: skip them in a tight loop.
		for r.i < len(r.s) && !stringSpecial[r.s[r.i]] {
			r.i++
		}
		if r.i >= len(r.s) {
			break
		}
		switch c := r.s[r.i]; {
		case c == '"':
			r.i++
			if plain {
				r.plain = ascii
				return r.s[start : r.i-1], true
			}
			var v string
			if json.Unmarshal([]byte(r.s[start-1:r.i]), &v) != nil {
				return "", false
			}
			return v, true
		case c < 0x20:
			return "", false
		case c == '\\':
			plain = false
			r.i += 2
		default: // c >= utf8.RuneSelf
			ascii = false
			_, size := utf8.DecodeRuneInString(r.s[r.i:])
			if size == 1 { // invalid: encoding/json replaces it
				plain = false
			}
			r.i += size
		}
	}
	return "", false
}

// stringSpecial marks the bytes that end a run of plain bytes inside a
// JSON string: the quote, the backslash, control and non-ASCII bytes.
var stringSpecial = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// skip validates and skips any JSON value.
func (r *amReader) skip() bool {
	if r.i >= len(r.s) {
		return false
	}
	switch c := r.s[r.i]; {
	case c == '"':
		_, ok := r.string()
		return ok
	case c == '{', c == '[':
		if r.depth++; r.depth > maxSkipDepth {
			return false
		}
		defer func() { r.depth-- }()
		r.i++
		if c == '{' {
			return r.object(func(string) bool { return r.skip() })
		}
		r.ws()
		if r.next(']') {
			return true
		}
		for {
			if !r.skip() {
				return false
			}
			r.ws()
			if r.next(']') {
				return true
			}
			if !r.next(',') {
				return false
			}
			r.ws()
		}
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.null()
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	}
	return false
}

// number skips a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *amReader) number() bool {
	r.next('-')
	digits := func() int {
		n := 0
		for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.next('0') {
		// no more integer digits after a leading 0
	} else if digits() == 0 {
		return false
	}
	if r.next('.') && digits() == 0 {
		return false
	}
	if r.next('e') || r.next('E') {
		if !r.next('+') {
			r.next('-')
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// amExtra is a field of an Alertmanager alert outside the schema: its
// name and its JSON value as sent.
type amExtra struct {
	name, value string
}

// details encodes what an Alertmanager alert says beyond the fields of
// Alert: its generatorURL (also a link, when it has a host) and any field
// outside the webhook schema, as a compact JSON object with sorted keys;
// nil when there is nothing. Labels, annotations, status, fingerprint
// (the DedupKey) and times have their own fields and are not repeated
// here: that would double the size of every stored alert.
func (am *amAlert) details() json.RawMessage {
	if am.GeneratorURL == "" && len(am.extra) == 0 {
		return nil
	}
	extra := am.extra
	if len(extra) > 1 {
		slices.SortStableFunc(extra, func(a, b amExtra) int { return strings.Compare(a.name, b.name) })
		// A name given twice keeps its last value, as encoding/json does.
		out := extra[:0]
		for i, e := range extra {
			if i+1 < len(extra) && extra[i+1].name == e.name {
				continue
			}
			out = append(out, e)
		}
		extra = out
	}
	size := len(am.GeneratorURL) + 20
	for _, e := range extra {
		size += len(e.name) + len(e.value) + 4
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	url := am.GeneratorURL != ""
	for _, e := range extra {
		if url && e.name > "generatorURL" {
			b = appendURL(b, am.GeneratorURL)
			url = false
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, e.name)
		b = append(b, ':')
		b = appendCompact(b, e.value)
	}
	if url {
		b = appendURL(b, am.GeneratorURL)
	}
	return append(b, '}')
}

func appendURL(b []byte, url string) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, `"generatorURL":`...)
	return AppendJSONString(b, url)
}

// appendCompact appends the JSON value v (valid) without insignificant
// space.
func appendCompact(b []byte, v string) []byte {
	if !strings.ContainsAny(v, " \t\r\n") {
		return append(b, v...)
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, []byte(v)) // v was validated
	return append(b, buf.Bytes()...)
}
