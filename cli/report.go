package cli

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// addReportCommands adds `warroom report` (docs/metrics.md): reliability
// metrics, cadence compliance, on-call load, metric definitions, and
// recording an incident's data loss.
func (a *app) addReportCommands(root *cobra.Command) {
	root.AddGroup(&cobra.Group{ID: "reports", Title: "Reports:"})
	c := &cobra.Command{Use: "report", Short: "Reliability reports: MTTx, RTO/RPO, cadence, on-call load (--output text, json or csv)",
		GroupID: "reports", Args: noArgs}
	c.AddCommand(a.reportMetricsCommand(), a.reportCadenceCommand(), a.reportOnCallCommand(),
		a.reportDefinitionsCommand(), a.reportDataLossCommand(), a.reportFollowThroughCommand())
	root.AddCommand(c)
}

// reportFlags are the filters every report takes, as API query
// parameters; the server checks them and names the valid values.
type reportFlags struct {
	metrics                                  []string
	window, from, to, groupBy, service, team string
	severity, timeZone                       string
	perIncident                              bool
}

func (f *reportFlags) add(cmd *cobra.Command, withMetrics bool) {
	if withMetrics {
		cmd.Flags().StringSliceVar(&f.metrics, "metric", nil, "metrics to report (default all; see: warroom report definitions)")
		cmd.Flags().StringVar(&f.groupBy, "group-by", "", "none, service, severity, team or month")
		cmd.Flags().BoolVar(&f.perIncident, "incidents", false, "add each incident's values")
	}
	cmd.Flags().StringVar(&f.window, "window", "", "7d, 30d, 90d (default), 365d or all")
	cmd.Flags().StringVar(&f.from, "from", "", "from this time (RFC 3339) instead of a window")
	cmd.Flags().StringVar(&f.to, "to", "", "until this time (RFC 3339; default now)")
	cmd.Flags().StringVar(&f.service, "service", "", "only incidents of this service (ID or slug)")
	cmd.Flags().StringVar(&f.team, "team", "", "only incidents of this team's services (ID or slug)")
	cmd.Flags().StringVar(&f.severity, "severity", "", "only this severity")
	cmd.Flags().StringVar(&f.timeZone, "time-zone", "", "IANA zone months are counted in (default UTC)")
}

func (f *reportFlags) query(csvOut bool) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("metric", strings.Join(f.metrics, ","))
	set("window", f.window)
	set("from", f.from)
	set("to", f.to)
	set("group_by", f.groupBy)
	set("service", f.service)
	set("team", f.team)
	set("severity", f.severity)
	set("time_zone", f.timeZone)
	if f.perIncident {
		q.Set("incidents", "true")
	}
	if csvOut {
		q.Set("format", "csv")
	}
	return q
}

// fetchReport gets a report: CSV as the server wrote it, or JSON, or text.
func fetchReport[T any](a *app, cmd *cobra.Command, path string, f *reportFlags, text func(*T) error) error {
	raw, err := a.api().get(cmd.Context(), path, f.query(a.csvMode))
	if err != nil {
		return err
	}
	if a.csvMode {
		_, err := a.stdout.Write(raw)
		return err
	}
	return render(a, raw, text)
}

func (a *app) reportMetricsCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "metrics [--metric mttd,mttr_recover] [--group-by service] [--window 90d]",
		Short: "Mean, median and p90 of each metric with the counts behind them; RTO and RPO met or breached",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetchReport(a, cmd, "/api/v1/reports/metrics", &f, func(r *warroom.Report) error {
				tw := table(a.stdout, "GROUP", "INCIDENTS", "METRIC", "COUNT", "MISSING", "MEAN", "MEDIAN", "P90")
				for _, g := range append([]*warroom.ReportGroup{&r.Total}, r.Groups...) {
					for _, m := range r.Metrics {
						st := g.Metrics[m]
						row(tw, g.Label, fmt.Sprint(g.Incidents), string(m), fmt.Sprint(st.Count), fmt.Sprint(st.Missing),
							fmtStat(st.Mean), fmtStat(st.Median), fmtStat(st.P90))
					}
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				t := r.Total
				fmt.Fprintf(a.stdout, "\ndetected by monitoring: %d of %d (%.0f%%); recurrences: %d\n", t.Detection.Monitoring,
					t.Incidents, 100*t.Detection.MonitoringShare, t.Recurring)
				fmt.Fprintf(a.stdout, "RTO met %d, breached %d, unknown %d; RPO met %d, breached %d, unknown %d\n",
					t.RTO.Met, t.RTO.Breached, t.RTO.Missing, t.RPO.Met, t.RPO.Breached, t.RPO.Missing)
				return nil
			})
		},
	}
	f.add(cmd, true)
	return cmd
}

func fmtStat(d *warroom.Duration) string {
	if d == nil {
		return "-"
	}
	return time.Duration(*d).Round(time.Second).String()
}

func (a *app) reportCadenceCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "cadence [--window 90d]",
		Short: "Update cadence kept and missed, per month and audience",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetchReport(a, cmd, "/api/v1/reports/cadence", &f, func(r *struct {
				Cadence []warroom.CadenceRow `json:"cadence"`
			}) error {
				tw := table(a.stdout, "MONTH", "AUDIENCE", "INCIDENTS", "KEPT", "MISSED", "UPDATES", "DEADLINES MISSED")
				for _, c := range r.Cadence {
					row(tw, c.Month, string(c.Audience), fmt.Sprint(c.Incidents), fmt.Sprint(c.Kept), fmt.Sprint(c.Missed),
						fmt.Sprint(c.UpdatesSent), fmt.Sprint(c.DeadlinesMissed))
				}
				return tw.Flush()
			})
		},
	}
	f.add(cmd, false)
	return cmd
}

func (a *app) reportOnCallCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "oncall [--window 30d]",
		Short: "Pages per person, outside working hours and during sleep hours in their time zone",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetchReport(a, cmd, "/api/v1/reports/oncall", &f, func(r *struct {
				OnCall []warroom.OnCallLoad `json:"oncall"`
			}) error {
				tw := table(a.stdout, "PERSON", "TIME ZONE", "PAGES", "OUTSIDE HOURS", "DURING SLEEP")
				for _, l := range r.OnCall {
					row(tw, "@"+l.Handle, l.TimeZone, fmt.Sprint(l.Pages), fmt.Sprint(l.OutsideHours), fmt.Sprint(l.DuringSleep))
				}
				return tw.Flush()
			})
		},
	}
	f.add(cmd, false)
	return cmd
}

func (a *app) reportDefinitionsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "definitions",
		Short: "Every metric with the events its clock starts and stops at",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/reports/definitions", nil, func(r *struct {
				Metrics []warroom.MetricDef `json:"metrics"`
			}) error {
				tw := table(a.stdout, "METRIC", "TITLE", "FROM", "TO")
				for _, d := range r.Metrics {
					row(tw, string(d.Name), d.Title, d.Start, d.End)
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) reportDataLossCommand() *cobra.Command {
	var point, reason string
	cmd := &cobra.Command{
		Use:   "data-loss INCIDENT --recovery-point TIME [--reason TEXT]",
		Short: "Record the recovery point data was restored to (its data loss is compared with the services' RPO)",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			at, err := parseWhen(point, a.now())
			if err != nil {
				return err
			}
			return send(a, cmd, "POST", "/api/v1/incidents/"+url.PathEscape(args[0])+"/data-loss",
				map[string]any{"recovery_point": at, "reason": reason}, func(r *warroom.CommandResult) error {
					fmt.Fprintf(a.stdout, "%s: data restored to %s\n", r.Incident.Ref, fmtTime(at))
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&point, "recovery-point", "", "the last moment whose data survived: RFC 3339, or a duration ago like 2h")
	cmd.Flags().StringVar(&reason, "reason", "", "how it is known (the snapshot restored, say)")
	_ = cmd.MarkFlagRequired("recovery-point")
	return cmd
}
