package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// latencySummary is the distribution of a set of durations.
type latencySummary struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// summarize sorts ds (in place) and returns its percentiles by nearest
// rank.
func summarize(ds []time.Duration) latencySummary {
	if len(ds) == 0 {
		return latencySummary{}
	}
	slices.Sort(ds)
	return latencySummary{Count: len(ds), P50: percentile(ds, 50), P90: percentile(ds, 90),
		P99: percentile(ds, 99), Max: ds[len(ds)-1]}
}

// percentile returns the nearest-rank p-th percentile of sorted ds.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// pageReport is what --page-latency measured.
type pageReport struct {
	Probes       int              `json:"probes"` // critical alerts accepted
	Paged        int              `json:"paged"`
	Missing      int              `json:"missing"` // accepted, no page within --page-wait
	Failed       map[string]int64 `json:"failed,omitempty"`
	Unmatched    int              `json:"unmatched_pages,omitempty"`
	Repeats      int              `json:"repeated_pages,omitempty"`
	BadSignature int              `json:"bad_signatures,omitempty"`
	Latency      latencySummary   `json:"latency"`
}

// report is the outcome of a run.
type report struct {
	Server         string           `json:"server"`
	Kind           string           `json:"kind"`
	Shape          string           `json:"shape"`
	Severity       string           `json:"severity"`
	Batch          int              `json:"batch"`
	Concurrency    int              `json:"concurrency"` // 0 with --rate (see pacing)
	Elapsed        time.Duration    `json:"elapsed_ns"`
	Requests       int64            `json:"requests"`
	Accepted       int64            `json:"requests_2xx"`
	AlertsSent     int64            `json:"alerts_sent"`
	AlertsAccepted int64            `json:"alerts_2xx"`
	Errors         map[string]int64 `json:"errors"`
	AlertsPerSec   float64          `json:"alerts_per_second"`
	RequestsPerSec float64          `json:"requests_per_second"`
	Latency        latencySummary   `json:"latency"`
	Pacing         *pacingReport    `json:"pacing,omitempty"`  // with --rate
	Routing        *routingReport   `json:"routing,omitempty"` // after the load
	Pages          *pageReport      `json:"pages,omitempty"`
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) {
	mode := fmt.Sprintf("concurrency %d", r.Concurrency)
	if p := r.Pacing; p != nil {
		mode = fmt.Sprintf("target %.0f alerts/s, senders %d", p.TargetAlertsPerSec, p.Senders)
	}
	fmt.Fprintf(w, "warroom-load: %s intake at %s, %s alerts, shape %s, batch %d, %s, %s\n",
		r.Kind, r.Server, r.Severity, r.Shape, r.Batch, mode, r.Elapsed.Round(time.Millisecond))
	if r.Concurrency > 0 || r.Pacing != nil {
		fmt.Fprintf(w, "  requests       %d sent, %d answered 2xx (%.0f/s)\n", r.Requests, r.Accepted, r.RequestsPerSec)
		fmt.Fprintf(w, "  alerts         %d sent, %d accepted (2xx)\n", r.AlertsSent, r.AlertsAccepted)
		fmt.Fprintf(w, "  throughput     %.0f alerts/s accepted\n", r.AlertsPerSec)
		fmt.Fprintf(w, "  errors         %s\n", countsText(r.Errors))
		fmt.Fprintf(w, "  latency        %s\n", r.Latency.text())
	}
	if p := r.Pacing; p != nil {
		verdict := "kept the target"
		if p.FellBehind {
			verdict = fmt.Sprintf("FELL BEHIND: %d of %d requests due were not sent (senders waiting for answers)", p.RequestsNotSent, p.RequestsDue)
		}
		fmt.Fprintf(w, "  pacing         target %.0f alerts/s, achieved %.0f; %s; sent after due: %s\n",
			p.TargetAlertsPerSec, r.AlertsPerSec, verdict, p.Lateness.text())
	}
	if g := r.Routing; g != nil {
		switch {
		case g.NotChecked != "":
			fmt.Fprintf(w, "  routing        not checked: %s\n", g.NotChecked)
		case g.Routed:
			fmt.Fprintf(w, "  routing        the run's newest %d firing alerts all linked to an incident %.1fs after the last 2xx; %d incidents declared\n",
				g.Checked, g.After.Seconds(), g.IncidentsDeclared)
		default:
			fmt.Fprintf(w, "  routing        NOT ROUTED within --route-wait: %d of the run's newest %d firing alerts have no incident; %d incidents declared\n",
				g.Unrouted, g.Checked, g.IncidentsDeclared)
		}
		if g.IncidentsError != "" {
			fmt.Fprintf(w, "  incidents      counting failed: %s\n", g.IncidentsError)
		}
	}
	if p := r.Pages; p != nil {
		fmt.Fprintf(w, "  page latency   %d probes accepted, %d paged, %d missing; alert 2xx → page at the receiver: %s\n",
			p.Probes, p.Paged, p.Missing, p.Latency.text())
		if len(p.Failed) > 0 {
			fmt.Fprintf(w, "  probe errors   %s\n", countsText(p.Failed))
		}
		if p.Repeats+p.Unmatched+p.BadSignature > 0 {
			fmt.Fprintf(w, "  page oddities  %d repeated, %d not about a probe, %d bad signatures\n", p.Repeats, p.Unmatched, p.BadSignature)
		}
	}
}

func (s latencySummary) text() string {
	if s.Count == 0 {
		return "no samples"
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  (%d samples)", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.Count)
}

// countsText renders counts by kind, largest first.
func countsText(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if m[a] != m[b] {
			return int(m[b] - m[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
