package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

func (a *app) addIncidentCommands(root *cobra.Command) {
	for _, c := range []*cobra.Command{a.declareCommand(), a.listCommand(), a.showCommand(),
		a.timelineCommand(), a.impactCommand()} {
		c.GroupID = "incident"
		root.AddCommand(c)
	}
	a.addLifecycleCommands(root)
}

// impactFlags are the flags describing an incident's impact, shared by
// declare and impact.
type impactFlags struct {
	im warroom.Impact
}

func (f *impactFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.im.Description, "impact-description", "", "what the impact is, in a sentence")
	fs.StringSliceVar(&f.im.Customers, "customers", nil, "affected customers by name (repeatable or comma-separated)")
	fs.Float64Var(&f.im.UsersPercent, "users-percent", 0, "share of users affected, 0-100")
	fs.StringSliceVar(&f.im.ServiceIDs, "service", nil, "affected service slug (repeatable or comma-separated)")
	fs.StringVar(&f.im.Cluster, "cluster", "", "affected cluster")
	fs.StringVar((*string)(&f.im.Frequency), "frequency", "", "persistent or intermittent")
	fs.BoolVar(&f.im.CustomerImpact, "customer-impact", false, "customers are affected")
	fs.BoolVar(&f.im.SLAImpact, "sla-impact", false, "a customer SLA is affected")
	fs.BoolVar(&f.im.DataLoss, "data-loss", false, "data was lost (a postmortem is then required)")
}

// mergeInto copies the impact flags given on the command line over im,
// so that `impact` changes only what it names.
func (f *impactFlags) mergeInto(cmd *cobra.Command, im *warroom.Impact) {
	fs := cmd.Flags()
	set := func(name string, do func()) {
		if fs.Changed(name) {
			do()
		}
	}
	set("impact-description", func() { im.Description = f.im.Description })
	set("customers", func() { im.Customers = f.im.Customers })
	set("users-percent", func() { im.UsersPercent = f.im.UsersPercent })
	set("service", func() { im.ServiceIDs = f.im.ServiceIDs })
	set("cluster", func() { im.Cluster = f.im.Cluster })
	set("frequency", func() { im.Frequency = f.im.Frequency })
	set("customer-impact", func() { im.CustomerImpact = f.im.CustomerImpact })
	set("sla-impact", func() { im.SLAImpact = f.im.SLAImpact })
	set("data-loss", func() { im.DataLoss = f.im.DataLoss })
}

func (a *app) declareCommand() *cobra.Command {
	var (
		imp                            impactFlags
		title, summary, sev, detection string
		impactStarted, detectedAt      string
		private, major                 bool
	)
	cmd := &cobra.Command{
		Use:   "declare --title TEXT --severity SEV",
		Short: "Declare an incident; you become its first responder",
		Long:  "Declare an incident. You become its First Responder, Incident Owner and Technical Lead.\n\n" + severityHelp(),
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := severityArg(sev)
			if err != nil {
				return err
			}
			body := map[string]any{"title": title, "severity": s, "private": private, "major": major}
			if summary != "" {
				body["summary"] = summary
			}
			if detection != "" {
				body["detection"] = detection
			}
			for flag, v := range map[string]string{"impact_started_at": impactStarted, "detected_at": detectedAt} {
				if v != "" {
					t, err := parseWhen(v, a.now())
					if err != nil {
						return err
					}
					body[flag] = t
				}
			}
			var im warroom.Impact
			imp.mergeInto(cmd, &im)
			body["impact"] = im
			raw, err := a.api().post(cmd.Context(), "/api/v1/incidents", body)
			if err != nil {
				return err
			}
			return render(a, raw, func(r *warroom.CommandResult) error { return a.printResult(cmd.Context(), r) })
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&title, "title", "", "what is failing, in a few words (required)")
	fs.StringVar(&summary, "summary", "", "what is known so far")
	fs.StringVar(&sev, "severity", "", "SEV1 (worst) to SEV4 (required)")
	fs.StringVar(&detection, "detection", "", "how it was detected: monitoring, customer_report or staff (default staff)")
	fs.StringVar(&impactStarted, "impact-started-at", "", "when the impact started: RFC 3339 time or a duration ago (45m)")
	fs.StringVar(&detectedAt, "detected-at", "", "when it was detected (default now): RFC 3339 time or a duration ago")
	fs.BoolVar(&private, "private", false, "only participants and admins may see it")
	fs.BoolVar(&major, "major", false, "mark it major now")
	imp.register(cmd)
	_ = cmd.MarkFlagRequired("title")
	_ = cmd.MarkFlagRequired("severity")
	return cmd
}

// severityHelp lists the severities and what each means.
func severityHelp() string {
	var b strings.Builder
	b.WriteString("Severities:\n")
	for _, s := range warroom.Severities {
		fmt.Fprintf(&b, "  %s  %s\n", s, s.Meaning())
	}
	return b.String()
}

func (a *app) listCommand() *cobra.Command {
	var status, sev, service, query string
	var major bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents (open ones by default)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{"status": {status}}
			if sev != "" {
				s, err := severityArg(sev)
				if err != nil {
					return err
				}
				q.Set("severity", string(s))
			}
			if service != "" {
				q.Set("service", service)
			}
			if query != "" {
				q.Set("q", query)
			}
			if cmd.Flags().Changed("major") {
				q.Set("major", strconv.FormatBool(major))
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			raw, err := a.api().get(cmd.Context(), "/api/v1/incidents", q)
			if err != nil {
				return err
			}
			return render(a, raw, func(v *struct{ Incidents []*warroom.Incident }) error {
				if len(v.Incidents) == 0 {
					fmt.Fprintln(a.stdout, noIncidentsMessage(status, len(q) > 1))
					return nil
				}
				a.printIncidents(v.Incidents)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&status, "status", "open", "open (not yet resolved), closed (resolved or closed) or all")
	fs.StringVar(&sev, "severity", "", "only this severity")
	fs.StringVar(&service, "service", "", "only incidents affecting this service (slug)")
	fs.StringVar(&query, "query", "", "text in the title, summary or ref")
	fs.BoolVar(&major, "major", false, "only major incidents (--major=false: only minor ones)")
	fs.IntVar(&limit, "limit", 0, "at most this many (default: the server's)")
	return cmd
}

// noIncidentsMessage says what an empty list means: by default only open
// incidents are listed, so right after the last one is closed the list is
// empty, which must not read as if the incidents were gone.
func noIncidentsMessage(status string, filtered bool) string {
	what := "no incidents"
	if status != "all" {
		what = "no " + status + " incidents"
	}
	if filtered {
		what += " match"
	}
	if status == "open" {
		what += " (list shows open incidents by default, not resolved or closed ones; `warroom list --status all` shows every incident)"
	}
	return what
}

func (a *app) printIncidents(list []*warroom.Incident) {
	tw := table(a.stdout, "REF", "SEV", "STAGE", "MAJOR", "DECLARED", "TITLE")
	for _, inc := range list {
		title := inc.Title
		if inc.Private {
			title += " (private)"
		}
		row(tw, inc.Ref, string(inc.Severity), string(inc.Stage), yesNo(inc.Major), fmtTime(inc.DeclaredAt), title)
	}
	tw.Flush()
}

func (a *app) showCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show INC-42",
		Short: "Show an incident: state, roles and timeline",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := a.api().get(cmd.Context(), incidentPath(args[0]), nil)
			if err != nil {
				return err
			}
			return render(a, raw, func(v *warroom.IncidentView) error { return a.printView(cmd.Context(), v) })
		},
	}
}

// printView shows an incident view: its state, who holds each role
// (marking roles the IC holds because nobody else was given them),
// hypotheses and the timeline.
func (a *app) printView(ctx context.Context, v *warroom.IncidentView) error {
	inc := v.Incident
	if inc == nil {
		return fmt.Errorf("unexpected answer from the server: no incident")
	}
	name := a.namer(ctx, v.People)
	w := a.stdout
	fmt.Fprintf(w, "%s  %s%s\n\n", inc.Ref, inc.Title, map[bool]string{true: "  (private)"}[inc.Private])
	a.printState(ctx, v, name)
	fmt.Fprintln(w, "\nRoles")
	printHolders(w, v.Holders, name)
	if len(inc.Hypotheses) > 0 {
		fmt.Fprintln(w, "\nHypotheses")
		for _, h := range inc.Hypotheses {
			fmt.Fprintf(w, "  #%d  %-10s  %s%s\n", h.Seq, h.Status, h.Text, map[bool]string{true: " — " + h.Evidence}[h.Evidence != ""])
		}
	}
	fmt.Fprintln(w, "\nTimeline")
	printEvents(w, v.Timeline, name, inc.Starred)
	return nil
}

// printState shows an incident's fields and times.
func (a *app) printState(ctx context.Context, v *warroom.IncidentView, name func(string) string) {
	inc := v.Incident
	tw := table(a.stdout)
	row(tw, "severity", string(inc.Severity))
	row(tw, "stage", fmt.Sprintf("%s (next: %s)", inc.Stage, orDash(joinStages(v.NextStage))))
	row(tw, "major", majorLine(inc, v.Major))
	if inc.Summary != "" {
		row(tw, "summary", inc.Summary)
	}
	row(tw, "impact", a.impactLine(ctx, &inc.Impact))
	row(tw, "bridge", orDash(inc.BridgeURL))
	row(tw, "declared", fmtTime(inc.DeclaredAt)+" by "+name(inc.DeclaredByID))
	row(tw, "detected", fmtTime(inc.DetectedAt)+" ("+string(inc.Detection)+")")
	row(tw, "impact started", fmtTime(inc.ImpactStartedAt))
	row(tw, "acknowledged", fmtTimePtr(inc.AcknowledgedAt))
	for _, s := range warroom.Stages[1:] {
		if t, ok := inc.StageTimes[s]; ok {
			row(tw, string(s), fmtTime(t))
		}
	}
	if inc.Reopened > 0 {
		row(tw, "reopened", fmt.Sprintf("%d time(s)", inc.Reopened))
	}
	tw.Flush()
}

// printHolders shows who holds each role.
func printHolders(w io.Writer, holders []warroom.RoleHolder, name func(string) string) {
	if len(holders) == 0 {
		fmt.Fprintln(w, "  nobody holds a role yet")
		return
	}
	tw := table(w)
	for _, h := range holders {
		who := name(h.UserID)
		if h.Implicit {
			who += " (implicit, as Incident Commander)"
		}
		row(tw, "  "+h.Role.Title(), who)
	}
	tw.Flush()
}

// majorLine says whether an incident is major and why.
func majorLine(inc *warroom.Incident, reasonsNow []string) string {
	switch {
	case inc.Major:
		return "yes: " + strings.Join(inc.MajorReasons, "; ")
	case len(reasonsNow) > 0:
		return "not yet recorded, but the rules say yes: " + strings.Join(reasonsNow, "; ")
	}
	return "no"
}

// impactLine summarises an impact on one line.
func (a *app) impactLine(ctx context.Context, im *warroom.Impact) string {
	var parts []string
	add := func(ok bool, format string, args ...any) {
		if ok {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(im.Description != "", "%s", im.Description)
	add(len(im.Customers) > 0, "customers: %s", strings.Join(im.Customers, ", "))
	add(im.UsersPercent > 0, "%g%% of users", im.UsersPercent)
	add(len(im.ServiceIDs) > 0, "services: %s", strings.Join(a.serviceSlugs(ctx, im.ServiceIDs), ", "))
	add(im.Cluster != "", "cluster %s", im.Cluster)
	add(im.Frequency != "", "%s", im.Frequency)
	add(im.CustomerImpact, "customer impact")
	add(im.SLAImpact, "SLA impact")
	add(im.DataLoss, "data loss")
	if len(parts) == 0 {
		return "not assessed yet"
	}
	return strings.Join(parts, "; ")
}

// serviceSlugs shows service IDs by slug where the API knows them.
func (a *app) serviceSlugs(ctx context.Context, ids []string) []string {
	slugs := map[string]string{}
	if raw, err := a.api().get(ctx, "/api/v1/services", nil); err == nil {
		var v struct{ Services []*warroom.Service }
		if json.Unmarshal(raw, &v) == nil {
			for _, s := range v.Services {
				slugs[s.ID] = s.Slug
			}
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if slug, ok := slugs[id]; ok {
			out[i] = slug
		}
	}
	return out
}

func joinStages(ss []warroom.Stage) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

func (a *app) timelineCommand() *cobra.Command {
	var after int64
	var limit int
	cmd := &cobra.Command{
		Use:   "timeline INC-42",
		Short: "Print an incident's timeline",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if after > 0 {
				q.Set("after", strconv.FormatInt(after, 10))
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			raw, err := a.api().get(cmd.Context(), incidentPath(args[0])+"/timeline", q)
			if err != nil {
				return err
			}
			return render(a, raw, func(v *struct{ Events []warroom.Event }) error {
				printEvents(a.stdout, v.Events, a.namer(cmd.Context(), nil), nil)
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&after, "after", 0, "only entries after this number")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many entries")
	return cmd
}

func (a *app) impactCommand() *cobra.Command {
	var imp impactFlags
	var reason string
	cmd := &cobra.Command{
		Use:   "impact INC-42 [--users-percent N] [--customers a,b] ...",
		Short: "Update an incident's impact (only the fields given change)",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			inc, err := a.fetchIncident(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			im := inc.Impact
			imp.mergeInto(cmd, &im)
			return a.command(cmd.Context(), args[0], "/impact", map[string]any{"impact": im, "reason": reason})
		},
	}
	imp.register(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why the assessment changed")
	return cmd
}

// fetchIncident returns an incident's current state, for commands that
// change only some of its fields.
func (a *app) fetchIncident(ctx context.Context, ref string) (*warroom.Incident, error) {
	raw, err := a.api().get(ctx, incidentPath(ref), nil)
	if err != nil {
		return nil, err
	}
	var v warroom.IncidentView
	if err := json.Unmarshal(raw, &v); err != nil || v.Incident == nil {
		return nil, fmt.Errorf("unexpected answer from the server: %v", err)
	}
	return v.Incident, nil
}
