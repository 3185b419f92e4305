package warroom

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Report groupings.
const (
	GroupNone     = ""
	GroupService  = "service"
	GroupSeverity = "severity"
	GroupTeam     = "team"
	GroupMonth    = "month"
)

// ReportGroupings lists the valid groupings, for error messages.
var ReportGroupings = []string{"none", GroupService, GroupSeverity, GroupTeam, GroupMonth}

// ReportWindows are the named time windows a report may cover, counted
// back from now; "all" covers everything.
var ReportWindows = map[string]time.Duration{
	"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour,
	"365d": 365 * 24 * time.Hour, "all": 0,
}

// ReportWindowNames lists the named windows in order, for error messages.
var ReportWindowNames = []string{"7d", "30d", "90d", "365d", "all"}

// ParseWindow returns the span a named window covers at now: [from, to).
func ParseWindow(name string, now time.Time) (from, to time.Time, err error) {
	d, ok := ReportWindows[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return from, to, Invalid("window", "unknown window %q; windows are %s (or give from and to)", name,
			strings.Join(ReportWindowNames, ", "))
	}
	to = now.Add(time.Microsecond) // the window includes now itself
	if d > 0 {
		from = now.Add(-d)
	}
	return from, to, nil
}

// ParseGrouping checks a grouping name.
func ParseGrouping(name string) (string, error) {
	g := strings.ToLower(strings.TrimSpace(name))
	if g == "none" {
		g = GroupNone
	}
	if g != GroupNone && !slices.Contains(ReportGroupings, g) {
		return "", Invalid("group_by", "unknown grouping %q; groupings are %s", name, strings.Join(ReportGroupings, ", "))
	}
	return g, nil
}

// ReportQuery selects and groups the incidents of a report. Incidents are
// in the window when they were declared in [From, To); a zero From is the
// beginning of time. ServiceID, TeamID and Severity filter when set.
type ReportQuery struct {
	From, To  time.Time
	GroupBy   string
	Metrics   []MetricName
	ServiceID string
	TeamID    string
	Severity  Severity
	// Location is the time zone months are counted in (nil: UTC).
	Location *time.Location
	// PerIncident adds each incident's values to the report.
	PerIncident bool
}

// Report holds the metrics of a set of incidents, overall and by group.
type Report struct {
	From     *time.Time     `json:"from,omitempty"`
	To       time.Time      `json:"to"`
	GroupBy  string         `json:"group_by,omitempty"`
	Metrics  []MetricName   `json:"metrics"`
	Total    ReportGroup    `json:"total"`
	Groups   []*ReportGroup `json:"groups,omitempty"`
	Incident []IncidentRow  `json:"incidents,omitempty"`
}

// ReportGroup is the metrics of the incidents of one group.
type ReportGroup struct {
	Key       string               `json:"key"`
	Label     string               `json:"label"`
	Incidents int                  `json:"incidents"`
	Metrics   map[MetricName]Stats `json:"metrics"`
	Detection DetectionShare       `json:"detection"`
	Recurring int                  `json:"recurrences"`
	RTO       ObjectiveStats       `json:"rto"`
	RPO       ObjectiveStats       `json:"rpo"`
	values    [][]time.Duration    // per metric of the query
	sampled   [][]int              // per metric: the incidents with an MTBF or MTTF sample (repeats possible)
}

// DetectionShare counts how incidents were detected (seed 004: catch
// incidents through monitoring before customers notice them).
type DetectionShare struct {
	Monitoring      int     `json:"monitoring"`
	CustomerReport  int     `json:"customer_report"`
	Staff           int     `json:"staff"`
	MonitoringShare float64 `json:"monitoring_share"` // 0-1; 0 when there are no incidents
}

// IncidentRow is one incident's values in a report.
type IncidentRow struct {
	IncidentID string                  `json:"incident_id"`
	Ref        string                  `json:"ref"`
	Severity   Severity                `json:"severity"`
	ServiceIDs []string                `json:"service_ids,omitempty"`
	DeclaredAt time.Time               `json:"declared_at"`
	Detection  Detection               `json:"detection"`
	Recurrence bool                    `json:"recurrence"`
	Values     map[MetricName]Duration `json:"values"`
	RTO        []ObjectiveCheck        `json:"rto,omitempty"`
	RPO        []ObjectiveCheck        `json:"rpo,omitempty"`
}

// BuildReport computes a report over lifecycles: every incident the
// reader may see up to q.To, including those before q.From, which MTBF,
// MTTF and recurrences need as the previous failure. services gives the
// objectives and teams.
func BuildReport(lcs []Lifecycle, services []*Service, q ReportQuery) *Report {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	byID := make(map[string]*Service, len(services))
	for _, s := range services {
		byID[s.ID] = s
	}
	hasObjectives := slices.ContainsFunc(services, func(s *Service) bool { return s.RTO > 0 || s.RPO > 0 })
	chains := ServiceChains(lcs)
	recurs := Recurrences(lcs, chains)
	r := &Report{To: q.To, GroupBy: q.GroupBy, Metrics: q.Metrics}
	if !q.From.IsZero() {
		from := q.From
		r.From = &from
	}
	in := make([]bool, len(lcs))
	rowOf := map[int]int{} // lifecycle index → its row in r.Incident
	groups := map[string]*ReportGroup{}
	r.Total = ReportGroup{Key: "all", Label: "all incidents"}
	r.Total.init(len(q.Metrics))
	for m := range r.Total.values {
		r.Total.values[m] = make([]time.Duration, 0, len(lcs))
	}
	var keyBuf []groupKey
	// A first pass sizes each group, so that collecting its values never
	// grows a slice: growing them was a third of a large report's time.
	for i := range lcs {
		lc := &lcs[i]
		if !q.selects(lc, byID) {
			continue
		}
		in[i] = true
		keyBuf = groupKeys(keyBuf[:0], lc, q.GroupBy, byID, loc)
		for _, k := range keyBuf {
			g := groups[k.Key]
			if g == nil {
				g = &ReportGroup{Key: k.Key, Label: k.Label}
				groups[k.Key] = g
			}
			g.Incidents++ // reset below; addIncident counts again
		}
	}
	for _, g := range groups {
		g.init(len(q.Metrics))
		for m := range g.values {
			g.values[m] = make([]time.Duration, 0, g.Incidents)
		}
		g.Incidents = 0
	}
	var targetBuf [8]*ReportGroup
	for i := range lcs {
		if !in[i] {
			continue
		}
		lc := &lcs[i]
		keyBuf = groupKeys(keyBuf[:0], lc, q.GroupBy, byID, loc)
		targets := append(targetBuf[:0], &r.Total)
		for _, k := range keyBuf {
			targets = append(targets, groups[k.Key])
		}
		var rto, rpo []ObjectiveCheck
		if q.PerIncident {
			rto, rpo = CheckObjectives(lc, byID)
		}
		for _, g := range targets {
			g.addIncident(lc, recurs[i], rto, rpo)
		}
		if !q.PerIncident && hasObjectives {
			// The same counts as CheckObjectives gives, without a slice
			// per incident.
			tallyObjectives(lc, byID, targets)
		}
		for m, metric := range q.Metrics {
			if v, ok := lc.Measure(metric); ok {
				for _, g := range targets {
					g.values[m] = append(g.values[m], v)
				}
			}
		}
		if q.PerIncident {
			row := IncidentRow{IncidentID: lc.IncidentID, Ref: FormatRef(lc.Number), Severity: lc.Severity,
				ServiceIDs: lc.ServiceIDs, DeclaredAt: lc.DeclaredAt, Detection: lc.Detection, Recurrence: recurs[i],
				Values: map[MetricName]Duration{}, RTO: rto, RPO: rpo}
			for _, metric := range q.Metrics {
				if v, ok := lc.Measure(metric); ok {
					row.Values[metric] = Duration(v)
				}
			}
			rowOf[i] = len(r.Incident)
			r.Incident = append(r.Incident, row)
		}
	}
	// Between-incident samples belong to the later incident's groups; a
	// service grouping takes only the service's own chain.
	mtbf, mttf := slices.Index(q.Metrics, MetricMTBF), slices.Index(q.Metrics, MetricMTTF)
	if mtbf >= 0 || mttf >= 0 {
		for _, s := range ServiceSamples(lcs, chains) {
			m := mtbf
			if s.Metric == MetricMTTF {
				m = mttf
			}
			if m < 0 || !in[s.Next] || (q.ServiceID != "" && s.ServiceID != q.ServiceID) ||
				(q.TeamID != "" && (byID[s.ServiceID] == nil || byID[s.ServiceID].TeamID != q.TeamID)) {
				continue // a sample of another service than the report's
			}
			r.Total.addSample(m, s)
			keyBuf = groupKeys(keyBuf[:0], &lcs[s.Next], q.GroupBy, byID, loc)
			for _, k := range keyBuf {
				if q.GroupBy == GroupService && k.Key != s.ServiceID {
					continue
				}
				if q.GroupBy == GroupTeam && (byID[s.ServiceID] == nil || k.Key != teamKey(byID[s.ServiceID])) {
					continue
				}
				groups[k.Key].addSample(m, s)
			}
			if q.PerIncident {
				r.Incident[rowOf[s.Next]].keepSmaller(s)
			}
		}
	}
	r.Total.finish(q.Metrics)
	for _, g := range groups {
		g.finish(q.Metrics)
		r.Groups = append(r.Groups, g)
	}
	sort.Slice(r.Groups, func(i, j int) bool { return r.Groups[i].Key < r.Groups[j].Key })
	return r
}

// keepSmaller keeps the smaller sample when an incident has several (one
// per service it shares with an earlier incident): its row shows one.
func (row *IncidentRow) keepSmaller(s Sample) {
	if v, ok := row.Values[s.Metric]; !ok || time.Duration(v) > s.Value {
		row.Values[s.Metric] = Duration(s.Value)
	}
}

func (q *ReportQuery) selects(lc *Lifecycle, services map[string]*Service) bool {
	if lc.DeclaredAt.Before(q.From) || !lc.DeclaredAt.Before(q.To) {
		return false
	}
	if q.Severity != "" && lc.Severity != q.Severity {
		return false
	}
	if q.ServiceID != "" && !slices.Contains(lc.ServiceIDs, q.ServiceID) {
		return false
	}
	if q.TeamID != "" && !slices.ContainsFunc(lc.ServiceIDs, func(id string) bool {
		return services[id] != nil && services[id].TeamID == q.TeamID
	}) {
		return false
	}
	return true
}

type groupKey struct{ Key, Label string }

// groupKeys returns the groups an incident counts in: one per service (or
// its services' teams) it affects, "none" when it names none.
func groupKeys(out []groupKey, lc *Lifecycle, by string, services map[string]*Service, loc *time.Location) []groupKey {
	switch by {
	case GroupSeverity:
		return append(out, groupKey{string(lc.Severity), string(lc.Severity)})
	case GroupMonth:
		m := lc.DeclaredAt.In(loc).Format("2006-01")
		return append(out, groupKey{m, m})
	case GroupService:
		for _, id := range lc.ServiceIDs {
			if s := services[id]; s != nil {
				out = append(out, groupKey{s.ID, s.Slug})
			}
		}
		if len(out) == 0 {
			out = append(out, groupKey{"none", "no service"})
		}
		return out
	case GroupTeam:
		for _, id := range lc.ServiceIDs {
			if s := services[id]; s != nil && !slices.ContainsFunc(out, func(k groupKey) bool { return k.Key == teamKey(s) }) {
				out = append(out, groupKey{teamKey(s), teamKey(s)})
			}
		}
		if len(out) == 0 {
			out = append(out, groupKey{"none", "no team"})
		}
		return out
	}
	return out
}

func teamKey(s *Service) string {
	if s.TeamID == "" {
		return "none"
	}
	return s.TeamID
}

func (g *ReportGroup) init(metrics int) {
	g.Metrics = map[MetricName]Stats{}
	g.values = make([][]time.Duration, metrics)
	g.sampled = make([][]int, metrics)
}

func (g *ReportGroup) addIncident(lc *Lifecycle, recurrence bool, rto, rpo []ObjectiveCheck) {
	g.Incidents++
	switch lc.Detection {
	case DetectedByMonitoring:
		g.Detection.Monitoring++
	case DetectedByCustomerReport:
		g.Detection.CustomerReport++
	default:
		g.Detection.Staff++
	}
	if recurrence {
		g.Recurring++
	}
	g.RTO.add(rto)
	g.RPO.add(rpo)
}

// addSample adds a between-incidents sample of metric m (its index in
// the query's metrics), remembering which incidents have one.
func (g *ReportGroup) addSample(m int, s Sample) {
	g.values[m] = append(g.values[m], s.Value)
	g.sampled[m] = append(g.sampled[m], s.Next)
}

// finish turns the collected values into Stats. Missing is the group's
// incidents without a value: for MTBF and MTTF, those with no sample from
// an earlier incident of their service.
func (g *ReportGroup) finish(metrics []MetricName) {
	for m, metric := range metrics {
		vals := g.values[m]
		missing := g.Incidents - len(vals)
		if metric == MetricMTBF || metric == MetricMTTF {
			slices.Sort(g.sampled[m])
			missing = g.Incidents - len(slices.Compact(g.sampled[m]))
		}
		g.Metrics[metric] = Summarise(vals, max(missing, 0))
	}
	if g.Incidents > 0 {
		g.Detection.MonitoringShare = float64(g.Detection.Monitoring) / float64(g.Incidents)
	}
}

// tallyObjectives counts an incident's RTO and RPO checks into each of
// targets, as CheckObjectives would find them.
func tallyObjectives(lc *Lifecycle, services map[string]*Service, targets []*ReportGroup) {
	downtime, downOK := lc.Measure(MetricDowntime)
	loss, lossOK := lc.Measure(MetricDataLoss)
	count := func(o *ObjectiveStats, objective Duration, actual time.Duration, ok bool) {
		switch {
		case !ok:
			o.Missing++
		case actual <= time.Duration(objective):
			o.Met++
		default:
			o.Breached++
		}
	}
	for _, id := range lc.ServiceIDs {
		s := services[id]
		if s == nil {
			continue
		}
		for _, g := range targets {
			if s.RTO > 0 {
				count(&g.RTO, s.RTO, downtime, downOK)
			}
			if s.RPO > 0 {
				count(&g.RPO, s.RPO, loss, lossOK)
			}
		}
	}
}
