package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync/atomic"
	"time"
)

// generator makes the alerts of one run: every alert gets a fingerprint
// no earlier run used (the run's random prefix and a counter), so the
// server stores each as a new alert rather than counting a duplicate.
// Bodies are built by appending bytes: the generator shares the CPU with
// the server it measures, so it must cost little.
type generator struct {
	run     string // 8 hex digits naming this run
	service string // the service label
	counter atomic.Uint32
}

func newGenerator(service string) *generator {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &generator{run: hex.EncodeToString(b), service: jsonSafe(service)}
}

// fingerprint returns a new fingerprint: 16 hex digits, as Alertmanager's.
func (g *generator) fingerprint() string {
	n := g.counter.Add(1)
	var b [16]byte
	copy(b[:8], g.run)
	const digits = "0123456789abcdef"
	for i := 15; i >= 8; i-- {
		b[i] = digits[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

// amAlert is one alert of an Alertmanager batch.
type amAlert struct {
	fingerprint string
	severity    string
	resolved    bool
	summary     string // "" for the default
}

// alertmanager returns an Alertmanager webhook body (payload version 4)
// carrying alerts, all in the group named group, as Alertmanager sends
// one notification per group.
func (g *generator) alertmanager(group string, alerts []amAlert, now time.Time) []byte {
	ts := now.UTC().Format(time.RFC3339)
	b := make([]byte, 0, 512+len(alerts)*560)
	status := "resolved"
	for _, a := range alerts {
		if !a.resolved {
			status = "firing"
			break
		}
	}
	b = append(b, `{"receiver":"warroom","status":"`...)
	b = append(b, status...)
	b = append(b, `","alerts":[`...)
	for i, a := range alerts {
		if i > 0 {
			b = append(b, ',')
		}
		st, ends := "firing", "0001-01-01T00:00:00Z"
		if a.resolved {
			st, ends = "resolved", ts
		}
		summary := a.summary
		if summary == "" {
			summary = "warroom-load alert " + a.fingerprint
		}
		b = append(b, `{"status":"`...)
		b = append(b, st...)
		b = append(b, `","labels":{"alertname":"WarroomLoad","instance":"load-`...)
		b = append(b, a.fingerprint...)
		b = append(b, `","job":"warroom-load","run":"`...)
		b = append(b, g.run...)
		b = append(b, `","service":"`...)
		b = append(b, g.service...)
		b = append(b, `","severity":"`...)
		b = append(b, a.severity...)
		b = append(b, `"},"annotations":{"summary":"`...)
		b = append(b, jsonSafe(summary)...)
		b = append(b, `","description":"Synthetic alert from warroom-load run `...)
		b = append(b, g.run...)
		b = append(b, `.","runbook_url":"https://runbooks.example.com/warroom-load"},"startsAt":"`...)
		b = append(b, ts...)
		b = append(b, `","endsAt":"`...)
		b = append(b, ends...)
		b = append(b, `","generatorURL":"http://prometheus.example.com/graph?g0.expr=up","fingerprint":"`...)
		b = append(b, a.fingerprint...)
		b = append(b, `"}`...)
	}
	b = append(b, `],"groupLabels":{"alertname":"WarroomLoad","group":"`...)
	b = append(b, group...)
	b = append(b, `"},"commonLabels":{"alertname":"WarroomLoad","job":"warroom-load","run":"`...)
	b = append(b, g.run...)
	b = append(b, `"},"commonAnnotations":{},"externalURL":"http://alertmanager.example.com:9093","version":"4","groupKey":"{}:{alertname=\"WarroomLoad\", group=\"`...)
	b = append(b, group...)
	b = append(b, `\"}","truncatedAlerts":0}`...)
	return b
}

// pagerDuty returns one PagerDuty Events API v2 event for the alert.
func (g *generator) pagerDuty(routingKey string, a amAlert) []byte {
	b := make([]byte, 0, 512)
	b = append(b, `{"routing_key":"`...)
	b = append(b, jsonSafe(routingKey)...)
	b = append(b, `","dedup_key":"`...)
	b = append(b, a.fingerprint...)
	if a.resolved {
		return append(b, `","event_action":"resolve"}`...)
	}
	summary := a.summary
	if summary == "" {
		summary = "warroom-load alert " + a.fingerprint
	}
	b = append(b, `","event_action":"trigger","payload":{"summary":"`...)
	b = append(b, jsonSafe(summary)...)
	b = append(b, `","source":"warroom-load","severity":"`...)
	b = append(b, a.severity...)
	b = append(b, `","component":"`...)
	b = append(b, g.service...)
	b = append(b, `","custom_details":{"run":"`...)
	b = append(b, g.run...)
	b = append(b, `"}},"client":"warroom-load","client_url":"http://127.0.0.1/warroom-load"}`...)
	return b
}

// jsonSafe returns s ready to go between JSON quotes: s itself when it
// is plain printable ASCII (every value the generator makes), else its
// encoding/json escaping.
func jsonSafe(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return string(q[1 : len(q)-1])
		}
	}
	return s
}
