package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
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

// Shapes of the load: how its alerts fall into Alertmanager groups.
// warroom routes alerts by group (one incident per group), so the shape
// decides whether a storm of critical alerts makes one incident or one
// per request.
const (
	// shapeGroupPerRequest: each request is a new group, as when every
	// request reports a different outage (warroom declares an incident
	// per request for critical alerts).
	shapeGroupPerRequest = "group-per-request"
	// shapeOneGroup: every request of the run is a notification about
	// the same group (alertname and job fixed, instance varying), as
	// Alertmanager sends during an outage of one job on many instances.
	shapeOneGroup = "one-group"
)

// amGroup is the Alertmanager group a notification is about: its
// groupLabels, sorted by name, and its groupKey rendered as Alertmanager
// renders it ({}:{name="value", ...}), already escaped for JSON.
type amGroup struct {
	labels [][2]string
	key    string // JSON-escaped
}

func newAMGroup(labels ...[2]string) amGroup {
	slices.SortFunc(labels, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	var k strings.Builder
	k.WriteString("{}:{")
	for i, l := range labels {
		if i > 0 {
			k.WriteString(", ")
		}
		k.WriteString(l[0] + "=" + strconv.Quote(l[1]))
	}
	k.WriteString("}")
	return amGroup{labels: labels, key: jsonSafe(k.String())}
}

// oneGroup is the run's single group for --shape one-group: Alertmanager
// grouping by alertname and job.
func (g *generator) oneGroup() amGroup {
	return newAMGroup([2]string{"alertname", alertName}, [2]string{"job", g.job()})
}

// requestGroup is a group of its own, named name (a request of --shape
// group-per-request, or a page-latency probe).
func requestGroup(name string) amGroup {
	return newAMGroup([2]string{"alertname", alertName}, [2]string{"group", name})
}

// alertName is the alertname label of every alert the generator sends.
const alertName = "WarroomLoad"

// job is the job label of the run's alerts: it names the run, so that a
// run's one group is not an earlier run's.
func (g *generator) job() string { return "warroom-load-" + g.run }

// alertmanager returns an Alertmanager webhook body (payload version 4)
// carrying alerts, all of the group group, as Alertmanager sends one
// notification per group. Each alert has the shape of a real one: five
// labels (alertname, instance, job, service, severity), three annotations
// (summary, description, runbook_url) and its own fingerprint.
func (g *generator) alertmanager(group amGroup, alerts []amAlert, now time.Time) []byte {
	ts := now.UTC().Format(time.RFC3339)
	b := make([]byte, 0, 512+len(alerts)*560)
	status := "resolved"
	for _, a := range alerts {
		if !a.resolved {
			status = "firing"
			break
		}
	}
	job := g.job()
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
		b = append(b, `","labels":{"alertname":"`+alertName+`","instance":"load-`...)
		b = append(b, a.fingerprint...)
		b = append(b, `:9100","job":"`...)
		b = append(b, job...)
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
	b = append(b, `],"groupLabels":{`...)
	for i, l := range group.labels {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, jsonSafe(l[0])...)
		b = append(b, `":"`...)
		b = append(b, jsonSafe(l[1])...)
		b = append(b, '"')
	}
	b = append(b, `},"commonLabels":{"alertname":"`+alertName+`","job":"`...)
	b = append(b, job...)
	b = append(b, `"},"commonAnnotations":{},"externalURL":"http://alertmanager.example.com:9093","version":"4","groupKey":"`...)
	b = append(b, group.key...)
	b = append(b, `","truncatedAlerts":0}`...)
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
