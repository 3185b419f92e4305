package chart

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// elements parses an SVG document (failing on malformed XML) and counts
// its elements by name.
func elements(t *testing.T, svg string) map[string]int {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	counts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return counts
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
}

// TestTrendLeavesMissingMonthsOut: a month without a value is a gap, not
// a point at zero; every point says its month and value.
func TestTrendLeavesMissingMonthsOut(t *testing.T) {
	h := warroom.Duration(time.Hour)
	r := &warroom.Report{Metrics: []warroom.MetricName{warroom.MetricMTTRRecover}, Groups: []*warroom.ReportGroup{
		{Key: "2026-01", Metrics: map[warroom.MetricName]warroom.Stats{warroom.MetricMTTRRecover: {Count: 2, Median: &h}}},
		{Key: "2026-02", Metrics: map[warroom.MetricName]warroom.Stats{warroom.MetricMTTRRecover: {Missing: 3}}},
		{Key: "2026-03", Metrics: map[warroom.MetricName]warroom.Stats{warroom.MetricMTTRRecover: {Count: 1, Median: &h}}},
	}}
	svg := Trend(r)
	el := elements(t, svg)
	if el["circle"] != 2 || el["path"] != 1 {
		t.Errorf("%d points and %d lines, want 2 points (February has none) and 1 line", el["circle"], el["path"])
	}
	if !strings.Contains(svg, "mttr_recover 2026-03: 1h") || strings.Contains(svg, "2026-02: 0") {
		t.Errorf("points mislabelled:\n%s", svg)
	}
	// Two separate pieces: the gap lifts the pen.
	if d := svg[strings.Index(svg, `<path d="`):]; strings.Count(d[:strings.Index(d, `"/>`)], "M") != 2 {
		t.Errorf("the line is not broken at the missing month: %s", d[:120])
	}
}

func TestBarsStackAndEscape(t *testing.T) {
	loads := []warroom.OnCallLoad{{Handle: "ada<script>", Pages: 10, OutsideHours: 6, DuringSleep: 2}, {Handle: "bob", Pages: 1}}
	svg := OnCall(loads)
	el := elements(t, svg)
	// ada: work 4, awake 4, asleep 2; bob: work 1; plus the background
	// and three legend swatches.
	if el["rect"] != 4+1+3 {
		t.Errorf("%d rects, want 8", el["rect"])
	}
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "@ada&lt;script&gt; sleep hours: 2") {
		t.Errorf("labels not escaped or segments wrong:\n%s", svg)
	}
	if empty := Cadence(nil); !strings.Contains(empty, "no data in this window") {
		t.Errorf("an empty chart says nothing: %s", empty)
	}
}

func TestSeverities(t *testing.T) {
	at := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	r := &warroom.Report{Incident: []warroom.IncidentRow{{Severity: warroom.SEV1, DeclaredAt: at}, {Severity: warroom.SEV1, DeclaredAt: at},
		{Severity: warroom.SEV3, DeclaredAt: at.Add(time.Hour)}}}
	svg := Severities(r, nil)
	if !strings.Contains(svg, "2026-03 SEV1: 2") || !strings.Contains(svg, "2026-04 SEV3: 1") {
		t.Errorf("severity bars:\n%s", svg)
	}
	elements(t, svg)
}

func TestSecondsReadsAsDurations(t *testing.T) {
	for v, want := range map[float64]string{45: "45s", 720: "12m", 3 * 3600: "3h", 3*3600 + 1200: "3h20m", 52 * 3600: "2d4h"} {
		if got := Seconds(v); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", v, got, want)
		}
	}
	if got := Line("t", []string{"a"}, []Series{{Name: "x", Values: []float64{math.NaN()}}}, Seconds); strings.Contains(got, "<circle") {
		t.Errorf("a missing value was drawn")
	}
}
