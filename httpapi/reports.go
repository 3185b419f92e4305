package httpapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chart"
)

// This file serves reliability reports (docs/metrics.md): the metrics of
// seed 002 aggregated over incidents, cadence compliance, on-call load,
// and recording an incident's data loss.

func (s *Server) reportRoutes() []route {
	return []route{
		{"GET", "/api/v1/reports/definitions", reader, s.metricDefinitions, nil},
		{"GET", "/api/v1/reports/metrics", reader, s.metricsReport, nil},
		{"GET", "/api/v1/reports/cadence", reader, s.cadenceReport, nil},
		{"GET", "/api/v1/reports/oncall", reader, s.onCallReport, nil},
		{"GET", "/api/v1/reports/followthrough", reader, s.followThroughReport, nil},
		{"GET", "/api/v1/reports/charts/{chart}", reader, s.reportChart, nil},
		{"POST", "/api/v1/incidents/{incident}/data-loss", writer, s.recordDataLoss, dataLossInput{}},
	}
}

// reportParams are the query parameters of every report.
var reportParams = []string{"metric", "window", "from", "to", "group_by", "service", "team", "severity",
	"time_zone", "incidents", "format"}

// reports returns the reports service on the API's store, or 503 when the
// store keeps no lifecycles.
func (s *Server) reports() (*warroom.Reports, error) {
	var zone *time.Location
	if s.postmortems != nil {
		zone = s.postmortems.Location()
	}
	return warroom.ReportsOn(s.store, s.incidents.Policy, s.now, zone)
}

// reportRequest parses a report's query into a query the domain checked,
// and whether CSV was asked for (format=csv or Accept: text/csv).
func (s *Server) reportRequest(r *http.Request, rep *warroom.Reports) (warroom.ReportQuery, bool, error) {
	q, err := queryParams(r, reportParams...)
	if err != nil {
		return warroom.ReportQuery{}, false, err
	}
	req := warroom.ReportRequest{Window: q["window"], GroupBy: q["group_by"], Service: q["service"],
		Team: q["team"], Severity: q["severity"], TimeZone: q["time_zone"]}
	if q["metric"] != "" {
		req.Metrics = strings.Split(q["metric"], ",")
	}
	for _, name := range []string{"from", "to"} {
		if v := q[name]; v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return warroom.ReportQuery{}, false, warroom.Invalid(name, "%s must be an RFC 3339 time like 2026-11-01T00:00:00Z, not %q", name, v)
			}
			if name == "from" {
				req.From = &t
			} else {
				req.To = &t
			}
		}
	}
	switch q["incidents"] {
	case "", "false":
	case "true":
		req.PerIncident = true
	default:
		return warroom.ReportQuery{}, false, warroom.Invalid("incidents", "incidents must be true or false, not %q", q["incidents"])
	}
	csvOut := strings.Contains(r.Header.Get("Accept"), "text/csv")
	switch q["format"] {
	case "", "json":
	case "csv":
		csvOut = true
	default:
		return warroom.ReportQuery{}, false, warroom.Invalid("format", "format must be json or csv, not %q", q["format"])
	}
	query, err := rep.Resolve(r.Context(), req)
	return query, csvOut, err
}

func (s *Server) metricDefinitions(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"metrics": warroom.MetricDefs, "windows": warroom.ReportWindowNames,
		"groupings": warroom.ReportGroupings})
	return nil
}

// answerReport answers one report: the query checked, the report
// computed for the caller, then written as JSON (named by key, or bare
// when key is "") or, when asked for, as the CSV rows toCSV makes.
func answerReport[T any](s *Server, w http.ResponseWriter, r *http.Request, key string,
	compute func(rep *warroom.Reports, q warroom.ReportQuery) (T, error), toCSV func(T) [][]string) error {
	rep, err := s.reports()
	if err != nil {
		return err
	}
	q, csvOut, err := s.reportRequest(r, rep)
	if err != nil {
		return err
	}
	out, err := compute(rep, q)
	if err != nil {
		return err
	}
	if csvOut {
		return writeCSV(w, toCSV(out))
	}
	if key == "" {
		writeJSON(w, http.StatusOK, out)
	} else {
		writeJSON(w, http.StatusOK, map[string]any{key: out})
	}
	return nil
}

func (s *Server) metricsReport(w http.ResponseWriter, r *http.Request) error {
	return answerReport(s, w, r, "", func(rep *warroom.Reports, q warroom.ReportQuery) (*warroom.Report, error) {
		return rep.Report(r.Context(), actor(r), q)
	}, ReportCSV)
}

func (s *Server) cadenceReport(w http.ResponseWriter, r *http.Request) error {
	return answerReport(s, w, r, "cadence", func(rep *warroom.Reports, q warroom.ReportQuery) ([]warroom.CadenceRow, error) {
		return rep.CadenceReport(r.Context(), actor(r), q)
	}, func(rows []warroom.CadenceRow) [][]string {
		out := [][]string{{"month", "audience", "incidents", "kept", "missed", "updates_sent", "deadlines_missed"}}
		for _, c := range rows {
			out = append(out, []string{c.Month, string(c.Audience), strconv.Itoa(c.Incidents), strconv.Itoa(c.Kept),
				strconv.Itoa(c.Missed), strconv.Itoa(c.UpdatesSent), strconv.Itoa(c.DeadlinesMissed)})
		}
		return out
	})
}

func (s *Server) onCallReport(w http.ResponseWriter, r *http.Request) error {
	return answerReport(s, w, r, "oncall", func(rep *warroom.Reports, q warroom.ReportQuery) ([]warroom.OnCallLoad, error) {
		return rep.OnCall(r.Context(), actor(r), q)
	}, func(loads []warroom.OnCallLoad) [][]string {
		out := [][]string{{"user_id", "handle", "time_zone", "pages", "outside_working_hours", "during_sleep_hours"}}
		for _, l := range loads {
			out = append(out, []string{l.UserID, l.Handle, l.TimeZone, strconv.Itoa(l.Pages),
				strconv.Itoa(l.OutsideHours), strconv.Itoa(l.DuringSleep)})
		}
		return out
	})
}

// reportChart answers a chart as an SVG image (chart.Names), to embed in
// a postmortem export.
func (s *Server) reportChart(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.reports()
	if err != nil {
		return err
	}
	name := r.PathValue("chart")
	if !slices.Contains(chart.Names, name) {
		return warroom.Errorf(warroom.ENotFound, "no chart %q; charts are %s", name, strings.Join(chart.Names, ", "))
	}
	q, _, err := s.reportRequest(r, rep)
	if err != nil {
		return err
	}
	svg, err := chart.Render(r.Context(), rep, actor(r), name, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write([]byte(svg))
	return err
}

// dataLossInput is the body of POST /api/v1/incidents/{incident}/data-loss.
type dataLossInput struct {
	RecoveryPoint *time.Time `json:"recovery_point"`
	Reason        string     `json:"reason"`
}

func (s *Server) recordDataLoss(w http.ResponseWriter, r *http.Request) error {
	in, idem, err := decodeCommand[dataLossInput](s, w, r, false)
	if err != nil {
		return err
	}
	if in.RecoveryPoint == nil {
		return warroom.Invalid("recovery_point", "recovery_point is required: the last moment whose data survived (RFC 3339)")
	}
	rep, err := s.reports()
	if err != nil {
		return err
	}
	res, err := rep.RecordDataLoss(r.Context(), actor(r), r.PathValue("incident"), *in.RecoveryPoint, in.Reason, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeResult(w, http.StatusOK, res)
	return nil
}

// ReportCSV lays a report out as CSV rows: one per group and metric (the
// total first), or one per incident and metric when the report has its
// incidents. Durations are in seconds; an empty cell is a figure that
// has no value (no incident had the times it needs).
func ReportCSV(rep *warroom.Report) [][]string {
	secs := func(d *warroom.Duration) string {
		if d == nil {
			return ""
		}
		return strconv.FormatFloat(time.Duration(*d).Seconds(), 'f', -1, 64)
	}
	if len(rep.Incident) > 0 {
		out := [][]string{{"incident", "severity", "declared_at", "detection", "recurrence", "metric", "seconds"}}
		for _, row := range rep.Incident {
			for _, m := range rep.Metrics {
				v, ok := row.Values[m]
				cell := ""
				if ok {
					cell = secs(&v)
				}
				out = append(out, []string{row.Ref, string(row.Severity), row.DeclaredAt.UTC().Format(time.RFC3339),
					string(row.Detection), strconv.FormatBool(row.Recurrence), string(m), cell})
			}
		}
		return out
	}
	out := [][]string{{"group", "label", "incidents", "metric", "count", "missing", "mean_seconds", "median_seconds", "p90_seconds"}}
	groups := append([]*warroom.ReportGroup{&rep.Total}, rep.Groups...)
	for _, g := range groups {
		for _, m := range rep.Metrics {
			st := g.Metrics[m]
			out = append(out, []string{g.Key, g.Label, strconv.Itoa(g.Incidents), string(m), strconv.Itoa(st.Count),
				strconv.Itoa(st.Missing), secs(st.Mean), secs(st.Median), secs(st.P90)})
		}
	}
	return out
}

func writeCSV(w http.ResponseWriter, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
