package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// schedule is an on-call schedule as the API shows it.
type schedule struct {
	ID       string
	Name     string
	TimeZone string `json:"time_zone"`
	Layers   []struct {
		Name, Start, End, Shift string
		Participants            []string
		Restrictions            []struct {
			Days       []string
			Start, End string
		}
	}
	Overrides []struct {
		User       string
		Start, End time.Time
		Replaces   string
	}
}

// onCall is the API's answer about who is on call.
type onCall struct {
	Schedule string
	TimeZone string `json:"time_zone"`
	At       time.Time
	OnCall   []person `json:"on_call"`
	Until    *time.Time
	Shifts   []struct {
		User       person
		Start, End time.Time
		Layer      string
	}
}

type person struct{ ID, Handle, Name string }

func schedulePath(ref string) string { return "/api/v1/schedules/" + url.PathEscape(ref) }

const scheduleFileHelp = `The schedule is the API's JSON, e.g.:

  {"name": "primary", "time_zone": "Europe/Berlin",
   "layers": [{"name": "weekly", "start": "2026-03-02T09:00", "shift": "1w",
               "participants": ["ada", "bob"],
               "restrictions": [{"days": ["mon","tue","wed","thu","fri"], "start": "09:00", "end": "17:00"}]}],
   "overrides": [{"user": "carol", "start": "2026-03-10T09:00:00Z", "end": "2026-03-11T09:00:00Z"}]}

Layer start is wall-clock time in the schedule's zone; participants and override users are
handles or IDs. Shift is any length from 1m: 90m, 12h, 1h30m, 36h, 1d, 10d, 2w. A whole number
of days (1d, 2w, also 24h or 48h) hands over at the same wall-clock time every time, across DST;
any other length is elapsed time from the layer's start. Handoffs at a time that clocks skip
happen when they jump (02:30 -> 03:00); at a time that occurs twice (fall-back), the outgoing
person stays on call until the second occurrence and the incoming one starts at the first, so
both are on call, and paged, for that hour.`

func (a *app) scheduleCreateCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "create --file schedule.json",
		Short: "Create an on-call schedule (admins only)",
		Long:  "Create an on-call schedule from a JSON file (- for stdin).\n\n" + scheduleFileHelp,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := a.readJSONFile(file)
			if err != nil {
				return err
			}
			return send(a, cmd, http.MethodPost, "/api/v1/schedules", body, a.printSchedule(cmd))
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the schedule as JSON (- for stdin)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func (a *app) scheduleUpdateCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "update SCHEDULE --file schedule.json",
		Short: "Replace an on-call schedule (admins only)",
		Long:  "Replace an on-call schedule with the one in a JSON file (- for stdin).\n\n" + scheduleFileHelp,
		Args:  argsNamed("SCHEDULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := a.readJSONFile(file)
			if err != nil {
				return err
			}
			return send(a, cmd, http.MethodPut, schedulePath(args[0]), body, a.printSchedule(cmd))
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the schedule as JSON (- for stdin)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func (a *app) scheduleListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List on-call schedules",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/schedules", nil, func(v *struct{ Schedules []schedule }) error {
				tw := table(a.stdout, "NAME", "TIME ZONE", "LAYERS", "OVERRIDES", "ID")
				for _, s := range v.Schedules {
					row(tw, s.Name, s.TimeZone, strconv.Itoa(len(s.Layers)), strconv.Itoa(len(s.Overrides)), s.ID)
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) scheduleShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show SCHEDULE",
		Short: "Show an on-call schedule (by name or ID) and its calendar feed URL",
		Args:  argsNamed("SCHEDULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, schedulePath(args[0]), nil, a.printSchedule(cmd))
		},
	}
}

func (a *app) printSchedule(cmd *cobra.Command) func(s *schedule) error {
	return func(s *schedule) error {
		name := a.namer(cmd.Context(), nil)
		names := func(ids []string) string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = name(id)
			}
			return strings.Join(out, ", ")
		}
		w := a.stdout
		fmt.Fprintf(w, "%s (id %s), time zone %s\n", s.Name, s.ID, s.TimeZone)
		for _, l := range s.Layers {
			fmt.Fprintf(w, "  layer %s: %s shifts (%s) from %s", l.Name, l.Shift, handoffKind(l.Shift), l.Start)
			if l.End != "" {
				fmt.Fprintf(w, " until %s", l.End)
			}
			fmt.Fprintf(w, ": %s\n", names(l.Participants))
			for _, r := range l.Restrictions {
				days := "every day"
				if len(r.Days) > 0 {
					days = strings.Join(r.Days, ",")
				}
				fmt.Fprintf(w, "    only %s %s-%s\n", days, r.Start, r.End)
			}
		}
		for _, o := range s.Overrides {
			fmt.Fprintf(w, "  override: %s from %s to %s", name(o.User), fmtTime(o.Start), fmtTime(o.End))
			if o.Replaces != "" {
				fmt.Fprintf(w, " (replacing %s)", name(o.Replaces))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "calendar feed: %s%s/calendar.ics?token=<an API token>\n", strings.TrimRight(a.client.Server, "/"), schedulePath(s.ID))
		return nil
	}
}

// handoffKind says how a shift length as the API shows it (in its largest
// whole unit) hands over: whole days keep the wall-clock time.
func handoffKind(shift string) string {
	if strings.HasSuffix(shift, "d") || strings.HasSuffix(shift, "w") {
		return "same wall-clock handoff time"
	}
	return "elapsed time"
}

func (a *app) scheduleOnCallCommand() *cobra.Command {
	var at string
	var days int
	cmd := &cobra.Command{
		Use:   "oncall SCHEDULE [--at TIME] [--days N]",
		Short: "Who is on call now (or --at a time), and with --days the shifts over the next N days",
		Args:  argsNamed("SCHEDULE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if at != "" {
				t, err := parseWhen(at, a.now())
				if err != nil {
					return err
				}
				q.Set("at", t.Format(time.RFC3339))
			}
			if days != 0 {
				q.Set("days", strconv.Itoa(days))
			}
			return fetch(a, cmd, schedulePath(args[0])+"/oncall", q, func(v *onCall) error {
				// Times come with their offset only; in the schedule's zone
				// they show its abbreviation (CET, CEST), which tells the two
				// occurrences of a fall-back hour apart.
				local := func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }
				if loc, err := time.LoadLocation(v.TimeZone); err == nil {
					local = func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
				}
				who := make([]string, len(v.OnCall))
				for i, p := range v.OnCall {
					who[i] = "@" + p.Handle + " (" + p.Name + ")"
				}
				note := ""
				switch len(who) {
				case 0:
					who = []string{"nobody"}
				case 1:
				default: // a handoff in a fall-back's repeated hour
					note = " (handoff overlap: all are on call and paged)"
				}
				fmt.Fprintf(a.stdout, "%s at %s: %s%s\n", v.Schedule, local(v.At), strings.Join(who, ", "), note)
				if v.Until == nil {
					return nil
				}
				tw := table(a.stdout, "FROM", "TO", "WHO", "LAYER")
				for _, s := range v.Shifts {
					row(tw, local(s.Start), local(s.End), "@"+s.User.Handle, s.Layer)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "a time (RFC 3339, or a duration ago like 2h); default now")
	cmd.Flags().IntVar(&days, "days", 0, "also list the shifts over this many days (1-366)")
	return cmd
}
