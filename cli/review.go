package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
)

// addReviewCommands adds the Post Mortem Review and the holiday calendars
// its business days count (docs/after-the-fire.md).
func (a *app) addReviewCommands(root *cobra.Command) {
	pmr := &cobra.Command{Use: "pmr", Short: "The Post Mortem Review: due date, schedule and invitation, attendance", GroupID: "afterfire", Args: noArgs}
	pmr.AddCommand(a.pmrShowCommand(), a.pmrScheduleCommand(), a.pmrAttendedCommand(), a.pmrInviteCommand())
	cal := &cobra.Command{Use: "calendar", Short: "Holiday calendars counted for business days (import from iCalendar)", GroupID: "afterfire", Args: noArgs}
	cal.AddCommand(a.calendarImportCommand(), a.calendarListCommand())
	root.AddCommand(pmr, cal)
}

func (a *app) printReview(v *afterfire.ReviewView) error {
	w, r := a.stdout, v.Review
	if r == nil {
		fmt.Fprintln(w, "No Post Mortem Review yet: a major incident gets one when it recovers; `warroom pmr schedule` makes one.")
		return nil
	}
	name := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = id
			if h, ok := v.People[id]; ok {
				out[i] = h
			}
		}
		if len(out) == 0 {
			return "none"
		}
		return strings.Join(out, ", ")
	}
	cal := r.Calendar
	if cal == "" {
		cal = "no holiday calendar"
	}
	fmt.Fprintf(w, "Post Mortem Review of %s\n  due by:     end of %s (%s, %s)\n", r.Ref, r.LastDay, r.TimeZone, cal)
	if r.ScheduledAt != nil {
		fmt.Fprintf(w, "  scheduled:  %s, %d minutes%s\n", r.ScheduledAt.Format(time.RFC3339), r.Minutes, map[bool]string{true: " at " + r.Location, false: ""}[r.Location != ""])
	} else {
		fmt.Fprintln(w, "  scheduled:  not yet")
	}
	fmt.Fprintf(w, "  required:   %s\n  optional:   %s\n", name(r.Required), name(r.Optional))
	switch {
	case r.HeldAt != nil:
		fmt.Fprintf(w, "  held:       %s with %s\n", r.HeldAt.Format(time.RFC3339), name(r.Attended))
	case v.Overdue:
		fmt.Fprintln(w, "  OVERDUE")
	}
	return nil
}

func (a *app) pmrShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show the review: due date, schedule, attendees, attendance",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/review", nil, a.printReview)
		},
	}
}

func (a *app) pmrScheduleCommand() *cobra.Command {
	var minutes int
	var location string
	cmd := &cobra.Command{
		Use:   "schedule INCIDENT TIME [--minutes N] [--location WHERE]",
		Short: "Schedule or move the review (RFC 3339 time); the invitation is emailed when SMTP is configured",
		Args:  argsNamed("INCIDENT", "TIME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			at, err := time.Parse(time.RFC3339, args[1])
			if err != nil {
				return usageErrorf("%q is not a time like 2026-12-09T14:00:00+01:00", args[1])
			}
			return send(a, cmd, "POST", incidentPath(args[0])+"/review",
				map[string]any{"at": at, "minutes": minutes, "location": location}, a.printReview)
		},
	}
	cmd.Flags().IntVar(&minutes, "minutes", 60, "length")
	cmd.Flags().StringVar(&location, "location", "", "a room or a call link")
	return cmd
}

func (a *app) pmrAttendedCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "attended INCIDENT PERSON...",
		Short: "Record who attended the review (handles)",
		Args:  argsNamed("INCIDENT", "PERSON..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", incidentPath(args[0])+"/review/attendance", map[string]any{"attended": args[1:]}, a.printReview)
		},
	}
}

func (a *app) pmrInviteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "invite INCIDENT",
		Short: "Print the review's invitation (.ics) for a calendar",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/review", nil, func(v *afterfire.ReviewView) error {
				if v.Invitation == "" {
					return fmt.Errorf("the review is not scheduled yet: warroom pmr schedule %s TIME", args[0])
				}
				fmt.Fprint(a.stdout, v.Invitation)
				return nil
			})
		},
	}
}

func (a *app) calendarImportCommand() *cobra.Command {
	var teams []string
	cmd := &cobra.Command{
		Use:   "import NAME FILE [--team T]...",
		Short: "Import (or replace) a holiday calendar from an iCalendar file, for teams (admin)",
		Args:  argsNamed("NAME", "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[1])
			if err != nil {
				return usageErrorf("cannot read %s: %v", args[1], err)
			}
			if len(data) > warroom.MaxCalendarBytes {
				return usageErrorf("%s is over %d bytes", args[1], warroom.MaxCalendarBytes)
			}
			return send(a, cmd, "PUT", "/api/v1/holiday-calendars/"+args[0], map[string]any{"ics": string(data), "teams": teams},
				func(c *warroom.HolidayCalendar) error {
					fmt.Fprintf(a.stdout, "holiday calendar %s: %d holidays, for %d team(s)\n", c.Name, len(c.Holidays), len(c.Teams))
					return nil
				})
		},
	}
	cmd.Flags().StringSliceVar(&teams, "team", nil, "team (slug) whose incidents it counts for; repeat or comma-separate")
	return cmd
}

func (a *app) calendarListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the holiday calendars",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/holiday-calendars", nil, func(l *struct {
				Calendars []*warroom.HolidayCalendar `json:"calendars"`
			}) error {
				if len(l.Calendars) == 0 {
					fmt.Fprintln(a.stdout, "no holiday calendars")
				}
				for _, c := range l.Calendars {
					var next []string
					for _, h := range c.Holidays {
						if len(next) < 3 {
							next = append(next, h.Date.String()+" "+h.Name)
						}
					}
					fmt.Fprintf(a.stdout, "%s  %d holidays, %d team(s): %s\n", c.Name, len(c.Holidays), len(c.Teams), strings.Join(next, "; "))
				}
				return nil
			})
		},
	}
}
