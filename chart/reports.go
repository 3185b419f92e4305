package chart

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/warroom/warroom"
)

// Names of the charts, as the web UI and the API serve them.
const (
	TrendChart    = "mttx-trend"
	SeverityChart = "severity"
	OnCallChart   = "oncall"
	CadenceChart  = "cadence"
)

// Names lists the charts, for error messages.
var Names = []string{TrendChart, SeverityChart, OnCallChart, CadenceChart}

// MaxPeople is how many people the on-call chart shows: the most paged.
const MaxPeople = 30

// Trend draws the monthly median of each metric of a report grouped by
// month; a month in which no incident had the times a metric needs is a
// gap in its line.
func Trend(r *warroom.Report) string {
	months := make([]string, len(r.Groups))
	for i, g := range r.Groups {
		months[i] = g.Key
	}
	var series []Series
	for _, m := range r.Metrics {
		s := Series{Name: string(m), Values: make([]float64, len(r.Groups))}
		for i, g := range r.Groups {
			s.Values[i] = math.NaN()
			if st := g.Metrics[m]; st.Median != nil {
				s.Values[i] = time.Duration(*st.Median).Seconds()
			}
		}
		series = append(series, s)
	}
	return Line("Median time per month", months, series, Seconds)
}

// Severities draws the incidents of each month by severity, from a
// report with its incidents (PerIncident), months counted in loc.
func Severities(r *warroom.Report, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	counts := map[string]map[warroom.Severity]float64{}
	for _, row := range r.Incident {
		m := row.DeclaredAt.In(loc).Format("2006-01")
		if counts[m] == nil {
			counts[m] = map[warroom.Severity]float64{}
		}
		counts[m][row.Severity]++
	}
	months := make([]string, 0, len(counts))
	for m := range counts {
		months = append(months, m)
	}
	sort.Strings(months)
	var stacks []Stack
	for _, sev := range warroom.Severities {
		s := Stack{Name: string(sev), Values: make([]float64, len(months))}
		for i, m := range months {
			s.Values[i] = counts[m][sev]
		}
		stacks = append(stacks, s)
	}
	return Bars("Incidents per month by severity", months, stacks, Count)
}

// OnCall draws each person's pages: in working hours, outside them while
// awake, and during sleep hours (the most paged MaxPeople).
func OnCall(loads []warroom.OnCallLoad) string {
	loads = loads[:min(len(loads), MaxPeople)]
	people := make([]string, len(loads))
	work := Stack{Name: "working hours", Values: make([]float64, len(loads))}
	awake := Stack{Name: "outside hours, awake", Values: make([]float64, len(loads))}
	asleep := Stack{Name: "sleep hours", Values: make([]float64, len(loads))}
	for i, l := range loads {
		people[i] = "@" + l.Handle
		if l.Handle == "" {
			people[i] = l.UserID
		}
		work.Values[i] = float64(l.Pages - l.OutsideHours)
		// Sleep hours fall outside working hours unless a setting made
		// them overlap; those pages count as sleep only.
		asleep.Values[i] = float64(l.DuringSleep)
		awake.Values[i] = float64(max(l.OutsideHours-l.DuringSleep, 0))
		if l.DuringSleep > l.OutsideHours {
			work.Values[i] = float64(l.Pages - l.DuringSleep)
		}
	}
	return Bars("Pages per person", people, []Stack{work, awake, asleep}, Count)
}

// Cadence draws, per month, the incidents that kept their update cadence
// and those that missed a deadline, over both audiences.
func Cadence(rows []warroom.CadenceRow) string {
	var months []string
	kept := map[string]float64{}
	missed := map[string]float64{}
	for _, r := range rows {
		if !slices.Contains(months, r.Month) {
			months = append(months, r.Month)
		}
		kept[r.Month] += float64(r.Kept)
		missed[r.Month] += float64(r.Missed)
	}
	sort.Strings(months)
	k := Stack{Name: "cadence kept", Values: make([]float64, len(months))}
	m := Stack{Name: "deadline missed", Values: make([]float64, len(months))}
	for i, month := range months {
		k.Values[i], m.Values[i] = kept[month], missed[month]
	}
	return Bars("Update cadence per month (incidents × audience)", months, []Stack{k, m}, Count)
}

// Seconds formats a duration given in seconds as people read it: "45s",
// "12m", "3h20m", "2d4h".
func Seconds(v float64) string {
	d := time.Duration(v * float64(time.Second))
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) - 60*h; m > 0 {
			return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
		}
		return strconv.Itoa(h) + "h"
	}
	days := int(d.Hours()) / 24
	return strconv.Itoa(days) + "d" + strconv.Itoa(int(d.Hours())-24*days) + "h"
}

// Count formats a count.
func Count(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// Render draws chart name over the report query q, as a may see it (the
// web UI's images and the API's answers). ENotFound for an unknown name.
func Render(ctx context.Context, rep *warroom.Reports, a warroom.Actor, name string, q warroom.ReportQuery) (string, error) {
	switch name {
	case TrendChart:
		q.GroupBy = warroom.GroupMonth
		report, err := rep.Report(ctx, a, q)
		if err != nil {
			return "", err
		}
		return Trend(report), nil
	case SeverityChart:
		q.PerIncident, q.Metrics = true, nil
		report, err := rep.Report(ctx, a, q)
		if err != nil {
			return "", err
		}
		return Severities(report, q.Location), nil
	case OnCallChart:
		loads, err := rep.OnCall(ctx, a, q)
		if err != nil {
			return "", err
		}
		return OnCall(loads), nil
	case CadenceChart:
		rows, err := rep.CadenceReport(ctx, a, q)
		if err != nil {
			return "", err
		}
		return Cadence(rows), nil
	}
	return "", warroom.Errorf(warroom.ENotFound, "no chart %q; charts are %v", name, Names)
}
