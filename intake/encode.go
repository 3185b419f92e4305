package intake

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/warroom/warroom"
)

// Stores keep an alert's labels, annotations, details and links as JSON
// text and tell a changed alert from a repeated one by comparing that
// text, so each has one canonical encoding, made here for intake and for
// the store (sqlstore) alike:
//
//   - labels and annotations: an object with sorted keys (EncodeStrings);
//   - details: compact JSON;
//   - links: as json.Marshal writes []warroom.Link (EncodeLinks);
//   - "" for an empty one.
//
// EncodeUpdates hands a store the alerts with these already made, and
// reuses the body's own bytes where they are canonical (an unmodified
// Alertmanager sends its labels that way).

// EncodedUpdate is an AlertUpdate with its JSON fields in their
// canonical encoding.
type EncodedUpdate struct {
	warroom.AlertUpdate
	Labels, Annotations, Details, Links string
}

// EncodeUpdates is ToAlertUpdates with the JSON fields encoded. The error
// is an *Error for details that are not JSON (no parser makes those).
func EncodeUpdates(in *warroom.Integration, alerts []Alert) ([]EncodedUpdate, error) {
	return encodeUpdates(in, alerts, nil)
}

// knownJSON is what a parser knows of an alert's canonical encoding:
// labels and annotations found canonical in the body, details it made
// compact.
type knownJSON struct {
	labels, annotations string
	compactDetails      bool
}

// encodeUpdates is EncodeUpdates, taking what known (nil, or one per
// alert) holds instead of encoding it again.
func encodeUpdates(in *warroom.Integration, alerts []Alert, known []knownJSON) ([]EncodedUpdate, error) {
	out := make([]EncodedUpdate, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		var k knownJSON
		if known != nil {
			k = known[i]
		}
		u := &out[i]
		u.AlertUpdate = ToAlertUpdate(in, a)
		switch {
		case k.labels != "" && a.Source == SourceAlertmanager: // ToAlertUpdate adds no label
			u.Labels = k.labels
		default:
			u.Labels = EncodeStrings(u.Alert.Labels)
		}
		if u.Annotations = k.annotations; u.Annotations == "" {
			u.Annotations = EncodeStrings(u.Alert.Annotations)
		}
		switch {
		case k.compactDetails:
			u.Details = string(a.Details)
		case len(a.Details) > 0:
			d, err := CompactJSON(a.Details)
			if err != nil {
				return nil, &Error{Field: "details", Message: "details of alert " + a.DedupKey + " are not JSON: " + err.Error()}
			}
			u.Details = d
		}
		u.Links = EncodeLinks(u.Alert.Links)
	}
	return out, nil
}

// EncodeStrings encodes a label or annotation map as a JSON object with
// sorted keys, each string as AppendJSONString writes it, so that equal
// maps encode equally; "" for an empty map.
func EncodeStrings(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	var buf [16]string
	keys := buf[:0]
	size := 2
	for k, v := range m {
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, k, &plainByte)
		b.WriteByte(':')
		writeJSONString(&b, m[k], &plainByte)
	}
	b.WriteByte('}')
	return b.String()
}

// EncodeLinks encodes links exactly as json.Marshal does (HTML characters
// escaped, an empty title left out), without its reflection; "" for none.
func EncodeLinks(links []warroom.Link) string {
	if len(links) == 0 {
		return ""
	}
	size := 2
	for _, l := range links {
		size += len(l.Title) + len(l.URL) + 24
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('[')
	for i, l := range links {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		if l.Title != "" {
			b.WriteString(`"title":`)
			writeJSONString(&b, l.Title, &plainHTMLByte)
			b.WriteByte(',')
		}
		b.WriteString(`"url":`)
		writeJSONString(&b, l.URL, &plainHTMLByte)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// CompactJSON returns raw without insignificant space; "" for empty or
// null. The error is encoding/json's for what is not JSON.
func CompactJSON(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if bytes.IndexAny(raw, " \t\r\n") < 0 {
		if !json.Valid(raw) {
			var b bytes.Buffer
			return "", json.Compact(&b, raw) // for its error
		}
		return string(raw), nil
	}
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	if b.String() == "null" {
		return "", nil
	}
	return b.String(), nil
}

// AppendJSONString appends s as a JSON string: printable ASCII as is,
// anything else the way encoding/json writes it, so that a given string
// always encodes the same.
func AppendJSONString(b []byte, s string) []byte {
	if !plainString(s, &plainByte) {
		q, _ := json.Marshal(s) // a string always encodes
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// writeJSONString writes s between quotes when all its bytes are plain,
// else as json.Marshal does.
func writeJSONString(b *strings.Builder, s string, plain *[256]bool) {
	if !plainString(s, plain) {
		q, _ := json.Marshal(s) // a string always encodes
		b.Write(q)
		return
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

func plainString(s string, plain *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			return false
		}
	}
	return true
}

// plainByte marks the bytes a canonical JSON string holds as they are:
// printable ASCII but the quote and the backslash. plainHTMLByte also
// leaves out <, > and &, which json.Marshal escapes.
var plainByte, plainHTMLByte = func() (plain, html [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}()
