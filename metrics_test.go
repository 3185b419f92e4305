package warroom_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// timeline builds an incident's events by hand, numbering them.
type timeline struct {
	id     string
	events []warroom.Event
}

func newTimeline(id string, number int64, declaredAt time.Time, d warroom.Declaration) *timeline {
	d.Number = number
	if d.Severity == "" {
		d.Severity = warroom.SEV2
	}
	t := &timeline{id: id}
	return t.add(warroom.Event{Type: warroom.EventDeclared, At: declaredAt, Declaration: &d})
}

func (t *timeline) add(e warroom.Event) *timeline {
	e.IncidentID, e.Seq = t.id, int64(len(t.events)+1)
	t.events = append(t.events, e)
	return t
}

func (t *timeline) stage(s warroom.Stage, at time.Time) *timeline {
	return t.add(warroom.Event{Type: warroom.EventStageChanged, Stage: s, At: at})
}

func (t *timeline) lc(tb testing.TB) warroom.Lifecycle {
	tb.Helper()
	// The incident's own fold must accept the timeline: the tests build
	// only timelines warroom could have stored.
	if _, err := warroom.Fold(t.events); err != nil {
		tb.Fatalf("timeline does not fold: %v", err)
	}
	return warroom.FoldLifecycle(t.events)
}

func measure(lc warroom.Lifecycle, m warroom.MetricName) string {
	d, ok := lc.Measure(m)
	if !ok {
		return "missing"
	}
	return d.String()
}

func TestMetricsOnAFullTimeline(t *testing.T) {
	m := time.Minute
	lc := newTimeline("i1", 1, at(10*m), warroom.Declaration{Title: "db down", ImpactStartedAt: tp(0), DetectedAt: tp(5 * m),
		Detection: warroom.DetectedByMonitoring}).
		add(warroom.Event{Type: warroom.EventAcknowledged, At: at(12 * m), ActorID: "u-ada"}).
		stage(warroom.StageInvestigating, at(13*m)).
		stage(warroom.StageIdentified, at(30*m)).
		stage(warroom.StageMitigated, at(40*m)).
		stage(warroom.StageRecovered, at(60*m)).
		stage(warroom.StageBaseline, at(90*m)).
		stage(warroom.StageResolved, at(600*m)).
		lc(t)
	want := map[warroom.MetricName]string{
		warroom.MetricMTTD: "5m0s", warroom.MetricMTTA: "7m0s", warroom.MetricMTTI: "30m0s",
		warroom.MetricMTTRRepair: "40m0s", warroom.MetricMTTRRespond: "35m0s", warroom.MetricMTTRRecover: "1h0m0s",
		warroom.MetricMTTRResolve: "10h0m0s", warroom.MetricDowntime: "1h0m0s", warroom.MetricDataLoss: "missing",
	}
	for metric, w := range want {
		if got := measure(lc, metric); got != w {
			t.Errorf("%s = %s, want %s", metric, got, w)
		}
	}
}

// A corrected impact start recomputes everything measured from the
// failure; what is measured from the detection stays.
func TestMetricsFollowACorrectedImpactStart(t *testing.T) {
	m := time.Minute
	tl := newTimeline("i1", 1, at(10*m), warroom.Declaration{Title: "x", ImpactStartedAt: tp(5 * m)}).
		stage(warroom.StageRecovered, at(65*m))
	before := tl.lc(t)
	after := tl.add(warroom.Event{Type: warroom.EventImpactStartCorrected, At: at(70 * m), Time: tp(-20 * m)}).lc(t)
	for _, c := range []struct {
		lc             warroom.Lifecycle
		mttd, recovery string
	}{{before, "5m0s", "1h0m0s"}, {after, "30m0s", "1h25m0s"}} {
		if got := measure(c.lc, warroom.MetricMTTD); got != c.mttd {
			t.Errorf("MTTD = %s, want %s", got, c.mttd)
		}
		if got := measure(c.lc, warroom.MetricMTTRRecover); got != c.recovery {
			t.Errorf("MTTR recover = %s, want %s", got, c.recovery)
		}
		if got := measure(c.lc, warroom.MetricMTTRRespond); got != "55m0s" {
			t.Errorf("MTTR respond = %s, want 55m (detection to fix does not move)", got)
		}
	}
}

// A time nobody recorded makes its metrics missing, never zero.
func TestMetricsCountMissingTimesAsMissing(t *testing.T) {
	m := time.Minute
	// Declared by a person who did not say when impact began: the fold's
	// default (the detection) is not a measurement.
	lc := newTimeline("i1", 1, at(0), warroom.Declaration{Title: "x"}).
		stage(warroom.StageRecovered, at(30*m)).lc(t)
	for _, metric := range []warroom.MetricName{warroom.MetricMTTD, warroom.MetricMTTI, warroom.MetricMTTRRepair,
		warroom.MetricMTTRRecover, warroom.MetricMTTRResolve, warroom.MetricDowntime, warroom.MetricMTTA} {
		if got := measure(lc, metric); got != "missing" {
			t.Errorf("%s = %s, want missing", metric, got)
		}
	}
	// Nor has an incident a person declared an alert to measure MTTA
	// from, even once acknowledged.
	acked := newTimeline("i3", 3, at(0), warroom.Declaration{Title: "x"}).
		add(warroom.Event{Type: warroom.EventAcknowledged, At: at(m), ActorID: "u-ada"}).lc(t)
	if got := measure(acked, warroom.MetricMTTA); got != "missing" {
		t.Errorf("MTTA of a declared incident = %s, want missing", got)
	}
	// Recovery without a recorded mitigation is the fix; respond needs
	// only the detection.
	if got := measure(lc, warroom.MetricMTTRRespond); got != "30m0s" {
		t.Errorf("MTTR respond = %s, want 30m", got)
	}
	// An incident monitoring detected failed when its alert arrived.
	mon := newTimeline("i2", 2, at(3*m), warroom.Declaration{Title: "x", Detection: warroom.DetectedByMonitoring, DetectedAt: tp(0)}).
		add(warroom.Event{Type: warroom.EventAcknowledged, At: at(4 * m), ActorID: "u-ada"}).lc(t)
	if got := measure(mon, warroom.MetricMTTD); got != "0s" {
		t.Errorf("monitoring MTTD = %s, want 0s", got)
	}
	if got := measure(mon, warroom.MetricMTTA); got != "4m0s" {
		t.Errorf("monitoring MTTA = %s, want 4m (alert arrival to ack)", got)
	}
	if got := measure(mon, warroom.MetricMTTRRecover); got != "missing" {
		t.Errorf("unrecovered MTTR recover = %s, want missing", got)
	}
}

// Impact that returns after a recovery, and a reopened incident: the
// recovery that stands counts, and the time recovered in between is not
// downtime.
func TestMetricsOfReopenedIncidents(t *testing.T) {
	m := time.Minute
	tl := newTimeline("i1", 1, at(0), warroom.Declaration{Title: "x", ImpactStartedAt: tp(0)}).
		stage(warroom.StageRecovered, at(20*m)).
		stage(warroom.StageInvestigating, at(50*m)). // impact returned after 30m recovered
		stage(warroom.StageRecovered, at(60*m)).
		stage(warroom.StageBaseline, at(70*m)).
		stage(warroom.StageResolved, at(100*m))
	lc := tl.lc(t)
	if got := measure(lc, warroom.MetricMTTRRecover); got != "1h0m0s" {
		t.Errorf("MTTR recover = %s, want 1h (the recovery that stands)", got)
	}
	if got := measure(lc, warroom.MetricDowntime); got != "30m0s" {
		t.Errorf("downtime = %s, want 30m (20m + 10m)", got)
	}
	if got := measure(lc, warroom.MetricMTTRRepair); got != "20m0s" {
		t.Errorf("MTTR repair = %s, want 20m (the first fix)", got)
	}
	reopened := tl.add(warroom.Event{Type: warroom.EventReopened, Stage: warroom.StageInvestigating, At: at(200 * m)}).lc(t)
	if reopened.Reopened != 1 || reopened.Relapses != 2 {
		t.Errorf("reopened %d, relapses %d; want 1 and 2", reopened.Reopened, reopened.Relapses)
	}
	for _, metric := range []warroom.MetricName{warroom.MetricMTTRRecover, warroom.MetricMTTRResolve, warroom.MetricDowntime} {
		if got := measure(reopened, metric); got != "missing" {
			t.Errorf("reopened and unrecovered: %s = %s, want missing", metric, got)
		}
	}
	again := tl.stage(warroom.StageRecovered, at(230*m)).lc(t)
	if got := measure(again, warroom.MetricDowntime); got != "1h0m0s" {
		t.Errorf("downtime after the reopen = %s, want 1h (20m + 10m + 30m)", got)
	}
}

// Durations are between instants: an incident across the end of summer
// time lasts what it lasted, not what the wall clocks say.
func TestMetricsAcrossADSTChange(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	start := time.Date(2025, time.October, 26, 2, 30, 0, 0, paris) // CEST, before clocks go back at 03:00
	end := time.Date(2025, time.October, 26, 2, 45, 0, 0, paris).Add(time.Hour)
	lc := newTimeline("i1", 1, start, warroom.Declaration{Title: "x", ImpactStartedAt: &start}).
		stage(warroom.StageRecovered, end).lc(t)
	if got := measure(lc, warroom.MetricMTTRRecover); got != "1h15m0s" {
		t.Errorf("MTTR recover across the DST change = %s, want 1h15m", got)
	}
	// Months are counted in the report's zone: 00:30 on 1 November in
	// Paris is still October in UTC.
	nov := time.Date(2025, time.November, 1, 0, 30, 0, 0, paris)
	lcs := []warroom.Lifecycle{newTimeline("i2", 2, nov, warroom.Declaration{Title: "y"}).lc(t)}
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{{time.UTC, "2025-10"}, {paris, "2025-11"}} {
		r := warroom.BuildReport(lcs, nil, warroom.ReportQuery{To: nov.Add(time.Hour), GroupBy: warroom.GroupMonth,
			Metrics: []warroom.MetricName{warroom.MetricMTTD}, Location: c.loc})
		if len(r.Groups) != 1 || r.Groups[0].Key != c.want {
			t.Errorf("month in %s: %+v, want %s", c.loc, r.Groups, c.want)
		}
	}
}

func TestMetricsDataLossAgainstRPOAndDowntimeAgainstRTO(t *testing.T) {
	m := time.Minute
	svc := &warroom.Service{ID: "s1", Slug: "db", RPO: warroom.Duration(5 * m), RTO: warroom.Duration(30 * m)}
	lc := newTimeline("i1", 1, at(0), warroom.Declaration{Title: "x", ImpactStartedAt: tp(0),
		Impact: warroom.Impact{ServiceIDs: []string{"s1"}}}).
		stage(warroom.StageRecovered, at(45*m)).
		add(warroom.Event{Type: warroom.EventDataLossRecorded, At: at(50 * m), Time: tp(-3 * m)}).lc(t)
	rto, rpo := warroom.CheckObjectives(&lc, map[string]*warroom.Service{"s1": svc})
	if len(rto) != 1 || *rto[0].Met || time.Duration(*rto[0].Actual) != 45*m {
		t.Errorf("RTO check %+v, want breached with 45m", rto)
	}
	if len(rpo) != 1 || !*rpo[0].Met || time.Duration(*rpo[0].Actual) != 3*m {
		t.Errorf("RPO check %+v, want met with 3m", rpo)
	}
}

func TestMTBFAndMTTFFromConsecutiveIncidents(t *testing.T) {
	h := time.Hour
	impact := warroom.Impact{ServiceIDs: []string{"s1"}}
	lcs := []warroom.Lifecycle{
		newTimeline("i1", 1, at(0), warroom.Declaration{Title: "a", ImpactStartedAt: tp(0), Impact: impact}).
			stage(warroom.StageRecovered, at(2*h)).lc(t),
		newTimeline("i3", 3, at(100*h), warroom.Declaration{Title: "c", ImpactStartedAt: tp(100 * h), Impact: impact}).lc(t),
		newTimeline("i2", 2, at(50*h), warroom.Declaration{Title: "b", ImpactStartedAt: tp(50 * h), Impact: impact}).
			stage(warroom.StageRecovered, at(51*h)).lc(t),
		// Another service's failures do not count.
		newTimeline("i4", 4, at(60*h), warroom.Declaration{Title: "d", ImpactStartedAt: tp(60 * h),
			Impact: warroom.Impact{ServiceIDs: []string{"s2"}}}).lc(t),
	}
	r := warroom.BuildReport(lcs, []*warroom.Service{{ID: "s1", Slug: "api"}, {ID: "s2", Slug: "web"}},
		warroom.ReportQuery{To: at(1000 * h), GroupBy: warroom.GroupService,
			Metrics: []warroom.MetricName{warroom.MetricMTBF, warroom.MetricMTTF}, PerIncident: true})
	s1 := r.Groups[0]
	if s1.Key != "s1" {
		t.Fatalf("groups %+v", r.Groups)
	}
	mtbf, mttf := s1.Metrics[warroom.MetricMTBF], s1.Metrics[warroom.MetricMTTF]
	if mtbf.Count != 2 || mtbf.Missing != 1 || time.Duration(*mtbf.Mean) != 50*h {
		t.Errorf("MTBF %+v, want 2 samples of 50h and the first incident missing", mtbf)
	}
	if mttf.Count != 2 || time.Duration(*mttf.Median) != 48*h+30*time.Minute {
		t.Errorf("MTTF %+v, want 48h and 49h (median 48h30m)", mttf)
	}
	if r.Groups[1].Metrics[warroom.MetricMTBF].Count != 0 {
		t.Errorf("s2 has one incident and no MTBF: %+v", r.Groups[1].Metrics)
	}
	// The incidents in the window keep the earlier ones as predecessors.
	r = warroom.BuildReport(lcs, nil, warroom.ReportQuery{From: at(90 * h), To: at(1000 * h),
		Metrics: []warroom.MetricName{warroom.MetricMTBF}})
	if st := r.Total.Metrics[warroom.MetricMTBF]; r.Total.Incidents != 1 || st.Count != 1 || time.Duration(*st.Mean) != 50*h {
		t.Errorf("windowed MTBF %+v of %d incidents, want the one sample of 50h", st, r.Total.Incidents)
	}
}

func TestReportAggregatesWithCountsAndMissing(t *testing.T) {
	m := time.Minute
	var lcs []warroom.Lifecycle
	for i, d := range []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 100 * m} {
		lcs = append(lcs, newTimeline("i"+string(rune('a'+i)), int64(i+1), at(time.Duration(i)*time.Hour+d),
			warroom.Declaration{Title: "x", ImpactStartedAt: tp(time.Duration(i) * time.Hour), Severity: warroom.SEV1,
				Detection: warroom.DetectedByMonitoring}).lc(t))
	}
	lcs = append(lcs, newTimeline("iz", 9, at(0), warroom.Declaration{Title: "no start", Severity: warroom.SEV3,
		Detection: warroom.DetectedByCustomerReport}).lc(t))
	r := warroom.BuildReport(lcs, nil, warroom.ReportQuery{To: at(100 * time.Hour), GroupBy: warroom.GroupSeverity,
		Metrics: []warroom.MetricName{warroom.MetricMTTD}})
	st := r.Total.Metrics[warroom.MetricMTTD]
	if st.Count != 5 || st.Missing != 1 || time.Duration(*st.Mean) != 22*m || time.Duration(*st.Median) != 3*m ||
		time.Duration(*st.P90) != 61*m+36*time.Second {
		t.Errorf("MTTD stats %+v (mean %v median %v p90 %v)", st, *st.Mean, *st.Median, *st.P90)
	}
	if r.Total.Detection.Monitoring != 5 || r.Total.Detection.CustomerReport != 1 {
		t.Errorf("detection %+v", r.Total.Detection)
	}
	if len(r.Groups) != 2 || r.Groups[0].Key != "SEV1" || r.Groups[1].Metrics[warroom.MetricMTTD].Missing != 1 {
		t.Errorf("groups %+v", r.Groups)
	}
}

func TestRecurrencesAreTheSameServiceFailingAgainSoon(t *testing.T) {
	d := 24 * time.Hour
	on := func(id string, n int64, day time.Duration, cluster string) warroom.Lifecycle {
		return newTimeline(id, n, at(day*d), warroom.Declaration{Title: "x", ImpactStartedAt: tp(day * d),
			Impact: warroom.Impact{ServiceIDs: []string{"s1"}, Cluster: cluster}}).lc(t)
	}
	lcs := []warroom.Lifecycle{on("a", 1, 0, "eu"), on("b", 2, 10, "us"), on("c", 3, 20, "eu"), on("d", 4, 100, "")}
	got := warroom.Recurrences(lcs, warroom.ServiceChains(lcs))
	want := []bool{false, false, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("incident %d recurrence %v, want %v", i, got[i], want[i])
		}
	}
}

func TestOnCallLoadInEachPersonsTimeZone(t *testing.T) {
	users := []*warroom.User{{ID: "u1", Handle: "ada", TimeZone: "America/New_York"}, {ID: "u2", Handle: "bob", TimeZone: "Asia/Tokyo"}}
	if _, err := time.LoadLocation("Asia/Tokyo"); err != nil {
		t.Skip("no tzdata")
	}
	// Monday 2025-03-10 14:00 UTC: 10:00 in New York (EDT since the day
	// before), 23:00 in Tokyo.
	mon := time.Date(2025, time.March, 10, 14, 0, 0, 0, time.UTC)
	pages := []warroom.PageRecord{
		{UserID: "u1", SentAt: mon},                                                   // ada at work
		{UserID: "u2", SentAt: mon},                                                   // bob asleep
		{UserID: "u1", SentAt: mon.Add(-24 * time.Hour)},                              // Sunday 10:00 EDT: outside hours, awake
		{UserID: "u1", SentAt: time.Date(2025, time.March, 9, 6, 30, 0, 0, time.UTC)}, // 01:30 EST, before the change: asleep
	}
	loads := warroom.OnCallLoads(pages, users, warroom.DefaultOnCallHours)
	want := []warroom.OnCallLoad{
		{UserID: "u1", Handle: "ada", TimeZone: "America/New_York", Pages: 3, OutsideHours: 2, DuringSleep: 1},
		{UserID: "u2", Handle: "bob", TimeZone: "Asia/Tokyo", Pages: 1, OutsideHours: 1, DuringSleep: 1},
	}
	if len(loads) != 2 || loads[0] != want[0] || loads[1] != want[1] {
		t.Errorf("loads %+v, want %+v", loads, want)
	}
}

func TestCadenceComplianceFromUpdatesSent(t *testing.T) {
	m := time.Minute
	cp := warroom.CadencePolicy{Customer: time.Hour, MajorInternal: 30 * m}
	kept := newTimeline("k", 1, at(0), warroom.Declaration{Title: "x", Major: true}).
		stage(warroom.StageRecovered, at(70*m)).lc(t)
	late := newTimeline("l", 2, at(0), warroom.Declaration{Title: "y", Major: true}).
		stage(warroom.StageRecovered, at(70*m)).lc(t)
	sent := warroom.UpdateTimes{
		"k": {warroom.AudienceInternal: {at(25 * m), at(50 * m)}},
		"l": {warroom.AudienceInternal: {at(45 * m)}},
	}
	rows := warroom.CadenceCompliance([]warroom.Lifecycle{kept, late}, sent, cp, at(100*m), nil)
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Incidents != 2 || r.Kept != 1 || r.Missed != 1 || r.UpdatesSent != 3 || r.DeadlinesMissed != 1 {
		t.Errorf("cadence %+v, want one kept, one with one missed deadline", r)
	}
}

func TestUnknownMetricsAndWindowsAreRefusedWithTheValidOnes(t *testing.T) {
	_, err := warroom.ParseMetrics([]string{"mttd", "mttx"})
	if warroom.ErrorCode(err) != warroom.EInvalid || !strings.Contains(err.Error(), "mttr_recover") {
		t.Errorf("unknown metric: %v", err)
	}
	_, _, err = warroom.ParseWindow("2w", at(0))
	if warroom.ErrorCode(err) != warroom.EInvalid || !strings.Contains(err.Error(), "30d") {
		t.Errorf("unknown window: %v", err)
	}
	_, err = warroom.ParseGrouping("region")
	if warroom.ErrorCode(err) != warroom.EInvalid || !strings.Contains(err.Error(), "severity") {
		t.Errorf("unknown grouping: %v", err)
	}
}

// Summarise selects its percentiles without sorting: the same figures as
// Percentile over the sorted values, for every size and order.
func TestSummariseMatchesPercentileOfSorted(t *testing.T) {
	seed := uint64(7)
	for n := 1; n < 300; n += 7 {
		vals := make([]time.Duration, n)
		for i := range vals {
			seed = seed*6364136223846793005 + 1442695040888963407
			vals[i] = time.Duration(seed>>40) % 1000 // with repeats
		}
		sorted := slices.Clone(vals)
		slices.Sort(sorted)
		st := warroom.Summarise(vals, 0)
		if time.Duration(*st.Median) != warroom.Percentile(sorted, 50) || time.Duration(*st.P90) != warroom.Percentile(sorted, 90) {
			t.Fatalf("n=%d: median %v p90 %v, want %v %v", n, *st.Median, *st.P90, warroom.Percentile(sorted, 50), warroom.Percentile(sorted, 90))
		}
	}
}

// A report counts RTO and RPO the same whether or not it lists its
// incidents (two code paths: one without a slice per incident).
func TestObjectiveCountsWithAndWithoutIncidents(t *testing.T) {
	m := time.Minute
	svcs := []*warroom.Service{{ID: "s1", Slug: "db", RTO: warroom.Duration(30 * m), RPO: warroom.Duration(5 * m)},
		{ID: "s2", Slug: "api", RTO: warroom.Duration(2 * time.Hour)}}
	both := warroom.Impact{ServiceIDs: []string{"s1", "s2"}}
	lcs := []warroom.Lifecycle{
		newTimeline("a", 1, at(0), warroom.Declaration{Title: "x", ImpactStartedAt: tp(0), Impact: both}).
			stage(warroom.StageRecovered, at(45*m)).
			add(warroom.Event{Type: warroom.EventDataLossRecorded, At: at(50 * m), Time: tp(-3 * m)}).lc(t),
		newTimeline("b", 2, at(time.Hour), warroom.Declaration{Title: "y", Impact: both}).lc(t),
	}
	for _, by := range []string{warroom.GroupNone, warroom.GroupService} {
		q := warroom.ReportQuery{To: at(10 * time.Hour), GroupBy: by, Metrics: []warroom.MetricName{warroom.MetricDowntime}}
		plain := warroom.BuildReport(lcs, svcs, q)
		q.PerIncident = true
		listed := warroom.BuildReport(lcs, svcs, q)
		if plain.Total.RTO != listed.Total.RTO || plain.Total.RPO != listed.Total.RPO {
			t.Errorf("by %q: RTO %+v vs %+v, RPO %+v vs %+v", by, plain.Total.RTO, listed.Total.RTO, plain.Total.RPO, listed.Total.RPO)
		}
		want := warroom.ObjectiveStats{Met: 1, Breached: 1, Missing: 2}
		if plain.Total.RTO != want || plain.Total.RPO != (warroom.ObjectiveStats{Met: 1, Missing: 1}) {
			t.Errorf("by %q: RTO %+v (want %+v), RPO %+v", by, plain.Total.RTO, want, plain.Total.RPO)
		}
		for i := range plain.Groups {
			if plain.Groups[i].RTO != listed.Groups[i].RTO {
				t.Errorf("group %s: %+v vs %+v", plain.Groups[i].Key, plain.Groups[i].RTO, listed.Groups[i].RTO)
			}
		}
	}
}
