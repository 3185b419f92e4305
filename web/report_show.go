package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chart"
)

// reportView is the reliability metrics page (docs/metrics.md): the
// filters, the figures of each metric overall and by group, and the
// charts as SVG images.
type reportView struct {
	base
	Form      reportForm
	Error     string
	Report    *warroom.Report
	Defs      []warroom.MetricDef
	Windows   []string
	Groupings []string
	Services  []*warroom.Service
	Teams     []*warroom.Team
	Charts    []reportChart
	Tables    []reportTable
	// FollowThrough is postmortems and action items on time, per group
	// (nil where the store keeps none).
	FollowThrough []warroom.FollowThroughRow
}

// reportTable is one group's figures: a row per metric.
type reportTable struct {
	ID, Label string
	Incidents int
	Rows      []reportRow
}

type reportRow struct {
	Name, Title, Start, End string
	Mean, Median, P90       string
	Count, Missing          int
}

// tables lays the report out for the page: the total first, then each
// group.
func (v *reportView) tables() {
	stat := func(d *warroom.Duration) string {
		if d == nil {
			return "–"
		}
		return chart.Seconds(time.Duration(*d).Seconds())
	}
	for i, g := range append([]*warroom.ReportGroup{&v.Report.Total}, v.Report.Groups...) {
		t := reportTable{ID: strconv.Itoa(i), Label: g.Label, Incidents: g.Incidents}
		for _, d := range v.Defs {
			st, ok := g.Metrics[d.Name]
			if !ok {
				continue
			}
			t.Rows = append(t.Rows, reportRow{Name: string(d.Name), Title: d.Title, Start: d.Start, End: d.End,
				Mean: stat(st.Mean), Median: stat(st.Median), P90: stat(st.P90), Count: st.Count, Missing: st.Missing})
		}
		v.Tables = append(v.Tables, t)
	}
}

// reportForm is the filters, as typed (a GET form).
type reportForm struct {
	Window, GroupBy, Service, Team, Severity string
}

type reportChart struct{ Name, Title, URL string }

func reportFormOf(r *http.Request) reportForm {
	q := r.URL.Query()
	return reportForm{Window: q.Get("window"), GroupBy: q.Get("group_by"), Service: q.Get("service"),
		Team: q.Get("team"), Severity: q.Get("severity")}
}

// request is the report the form asks for; months are counted in the
// viewer's time zone.
func (f reportForm) request(loc *time.Location) warroom.ReportRequest {
	return warroom.ReportRequest{Window: f.Window, GroupBy: f.GroupBy, Service: f.Service, Team: f.Team,
		Severity: f.Severity, TimeZone: loc.String()}
}

// query is the form as a query string, for the charts' URLs.
func (f reportForm) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"window": f.Window, "service": f.Service, "team": f.Team, "severity": f.Severity} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// Percent shows a share.
func (v reportView) Percent(f float64) string { return chart.Count(100*f) + "%" }

func (h *Handler) reports() (*warroom.Reports, error) {
	var zone *time.Location
	if h.postmortems != nil {
		zone = h.postmortems.Location()
	}
	return warroom.ReportsOn(h.store, h.incidents.Policy, h.now, zone)
}

// reportShow is the metrics page. Filters naming an unknown window,
// grouping, service, team or severity are shown back with the message,
// which lists the valid ones.
func (h *Handler) reportShow(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.reports()
	if err != nil {
		return err
	}
	v := &reportView{base: h.base(r, "Reliability metrics"), Form: reportFormOf(r), Defs: warroom.MetricDefs,
		Windows: warroom.ReportWindowNames, Groupings: warroom.ReportGroupings}
	if v.Services, err = h.store.ListServices(r.Context()); err != nil {
		return err
	}
	if v.Teams, err = h.store.ListTeams(r.Context()); err != nil {
		return err
	}
	q, err := rep.Resolve(r.Context(), v.Form.request(v.loc))
	if err != nil {
		if warroom.ErrorCode(err) != warroom.EInvalid {
			return err
		}
		v.Error = warroom.ErrorMessage(err)
		return h.render(w, http.StatusBadRequest, "report_show", v)
	}
	if v.Report, err = rep.Report(r.Context(), actor(r), q); err != nil {
		return err
	}
	v.tables()
	if rep.FollowThrough != nil {
		if v.FollowThrough, err = rep.FollowThroughReport(r.Context(), actor(r), q); err != nil {
			return err
		}
	}
	titles := map[string]string{chart.TrendChart: "Monthly median of each metric", chart.SeverityChart: "Incidents by severity",
		chart.OnCallChart: "On-call load per person", chart.CadenceChart: "Update cadence compliance"}
	for _, name := range chart.Names {
		v.Charts = append(v.Charts, reportChart{Name: name, Title: titles[name], URL: "/reports/charts/" + name + "?" + v.Form.query()})
	}
	return h.ok(w, "report_show", v)
}

// reportChart answers a chart as an SVG image, for the page and for
// embedding (a postmortem export). The window and filters are the page's;
// the trend is always by month.
func (h *Handler) reportChart(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("chart")
	if !slices.Contains(chart.Names, name) {
		return warroom.Errorf(warroom.ENotFound, "no chart %q; charts are %v", name, chart.Names)
	}
	rep, err := h.reports()
	if err != nil {
		return err
	}
	f := reportFormOf(r)
	f.GroupBy = ""
	if name == chart.TrendChart {
		f.GroupBy = warroom.GroupMonth
	}
	loc := h.base(r, "").loc
	q, err := rep.Resolve(r.Context(), f.request(loc))
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
