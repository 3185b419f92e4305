package main

import (
	"math"
	"time"
)

// pacing is the open-loop timetable of --rate: the run's requests,
// counted over all senders, are due one every `every` from the start,
// and sender w sends requests w, w+senders, w+2*senders... A sender that
// gets its answer after its next request was due sends that request at
// once (it catches up rather than skipping), so a slow server does not
// lower the load offered; when it cannot catch up, the requests still due
// at the end of the run are not sent, and the report says so.
type pacing struct {
	every   float64 // nanoseconds between two requests of the run
	senders int
}

// newPacing paces requests of perRequest alerts each so that the run
// offers rate alerts a second from senders senders.
func newPacing(rate float64, perRequest, senders int) pacing {
	return pacing{every: float64(perRequest) / rate * float64(time.Second), senders: senders}
}

// slot is the run-wide number of sender w's request seq (both from 0).
func (p pacing) slot(w, seq int) int64 {
	return int64(seq)*int64(p.senders) + int64(w)
}

// due is when the run's request k is due.
func (p pacing) due(start time.Time, k int64) time.Time {
	return start.Add(time.Duration(math.Round(float64(k) * p.every)))
}

// scheduled is how many requests are due in a run of d: those due
// strictly before its end.
func (p pacing) scheduled(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(float64(d) / p.every))
}

// pacingReport is how well the generator kept the --rate timetable.
type pacingReport struct {
	TargetAlertsPerSec float64 `json:"target_alerts_per_second"`
	Senders            int     `json:"senders"`
	RequestsDue        int64   `json:"requests_due"`
	RequestsSent       int64   `json:"requests_sent"`
	// RequestsNotSent were due before the end but not sent: the senders
	// were waiting for answers. Non-zero means the generator fell
	// behind, and the target rate was not offered.
	RequestsNotSent int64          `json:"requests_not_sent"`
	FellBehind      bool           `json:"fell_behind"`
	Lateness        latencySummary `json:"lateness"` // of each request sent: sent − due
}

// pacingOutcome compares what was sent with the timetable of a run of
// duration d (requests: the --requests budget, 0 for none).
func pacingOutcome(p pacing, rate float64, d time.Duration, requests, sent int64, lateness []time.Duration) *pacingReport {
	due := p.scheduled(d)
	if requests > 0 {
		due = min(due, requests)
	}
	r := &pacingReport{TargetAlertsPerSec: rate, Senders: p.senders, RequestsDue: due, RequestsSent: sent,
		RequestsNotSent: max(due-sent, 0), Lateness: summarize(lateness)}
	r.FellBehind = r.RequestsNotSent > 0
	return r
}
