package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// addPagingCommands adds the commands of alerts, on-call and paging. The
// `service paging` subcommand joins the existing service command, so it
// must run after addDirectoryCommands.
func (a *app) addPagingCommands(root *cobra.Command) {
	group := func(name, short string, subs ...*cobra.Command) *cobra.Command {
		c := &cobra.Command{Use: name, Short: short, GroupID: "paging", Args: noArgs}
		c.AddCommand(subs...)
		return c
	}
	root.AddCommand(
		group("alerts", "List, show, acknowledge alerts and declare incidents from them",
			a.alertsListCommand(), a.alertsShowCommand(), a.alertsAckCommand(), a.alertsDeclareCommand(),
			a.alertsAttachCommand(), a.alertsMessagesCommand()),
		group("integration", "Manage the integrations monitoring tools send alerts through",
			a.integrationCreateCommand(), a.integrationListCommand(), a.integrationDeleteCommand()),
		group("policy", "Manage escalation policies",
			a.policyCreateCommand(), a.policyListCommand(), a.policyShowCommand()),
		group("schedule", "Manage on-call schedules and see who is on call",
			a.scheduleCreateCommand(), a.scheduleUpdateCommand(), a.scheduleListCommand(), a.scheduleShowCommand(), a.scheduleOnCallCommand()),
		group("contact", "Manage how you (or, for admins, anyone) are reached when paged",
			a.contactAddCommand(), a.contactListCommand(), a.contactRemoveCommand(), a.contactTestCommand()),
		group("notify-rules", "Manage when each contact method is notified of a page",
			a.rulesSetCommand(), a.rulesListCommand()),
	)
	for _, c := range root.Commands() {
		if c.Name() == "service" {
			c.AddCommand(a.servicePagingCommand())
		}
	}
}

func alertPath(id string) string { return "/api/v1/alerts/" + url.PathEscape(id) }

func (a *app) alertsListCommand() *cobra.Command {
	var service, incident, groupKey, status string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--service S] [--incident INC-42] [--group-key K] [--status firing|acknowledged|resolved]",
		Short: "List alerts, newest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"service": service, "group_key": groupKey, "status": status} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if incident != "" {
				q.Set("incident", normalizeRef(incident))
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			return fetch(a, cmd, "/api/v1/alerts", q, func(v *struct{ Alerts []*warroom.Alert }) error {
				tw := table(a.stdout, "ID", "STATUS", "SEVERITY", "SUMMARY", "DUPLICATES", "INCIDENT", "STARTED")
				for _, al := range v.Alerts {
					row(tw, al.ID, string(al.Status), al.Severity, clipText(al.Summary, 60), strconv.Itoa(al.Duplicates),
						a.incidentRef(cmd.Context(), al.IncidentID), fmtTime(al.StartsAt))
				}
				return tw.Flush()
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&service, "service", "", "only this service's alerts (slug or ID)")
	fs.StringVar(&incident, "incident", "", "only alerts of this incident (INC-42 or ID)")
	fs.StringVar(&groupKey, "group-key", "", "only alerts of this group")
	fs.StringVar(&status, "status", "", "only firing, acknowledged or resolved alerts")
	fs.IntVar(&limit, "limit", 0, "at most this many (default 100, at most 1000)")
	return cmd
}

// normalizeRef accepts 42 for INC-42.
func normalizeRef(ref string) string {
	if n, ok := warroom.ParseRef(ref); ok {
		return warroom.FormatRef(n)
	}
	return ref
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (a *app) alertsShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ALERT",
		Short: "Show an alert, with its duplicates and why they were suppressed",
		Args:  argsNamed("ALERT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, alertPath(args[0]), nil, func(al *warroom.Alert) error { return a.printAlert(cmd.Context(), al) })
		},
	}
}

func (a *app) printAlert(ctx context.Context, al *warroom.Alert) error {
	tw := table(a.stdout)
	row(tw, "summary", al.Summary)
	row(tw, "status", string(al.Status))
	row(tw, "severity", al.Severity)
	row(tw, "source", al.Source)
	row(tw, "dedup key", al.DedupKey)
	row(tw, "group key", orDash(al.GroupKey))
	row(tw, "service", a.serviceSlugs(ctx, []string{al.ServiceID})[0])
	row(tw, "incident", a.incidentRef(ctx, al.IncidentID))
	dup := strconv.Itoa(al.Duplicates)
	if al.DuplicateReason != "" {
		dup += " (last: " + al.DuplicateReason + ")"
	}
	row(tw, "duplicates", dup)
	row(tw, "started", fmtTime(al.StartsAt))
	row(tw, "ended", fmtTimePtr(al.EndsAt))
	row(tw, "acknowledged", fmtTimePtr(al.AcknowledgedAt))
	row(tw, "resolved", fmtTimePtr(al.ResolvedAt))
	for _, k := range sortedKeys(al.Labels) {
		row(tw, "label", k+"="+al.Labels[k])
	}
	for _, k := range sortedKeys(al.Annotations) {
		row(tw, "annotation", k+": "+clipText(al.Annotations[k], 100))
	}
	for _, l := range al.Links {
		row(tw, "link", strings.TrimSpace(l.Title+" "+l.URL))
	}
	row(tw, "id", al.ID)
	return tw.Flush()
}

func (a *app) alertsAckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "ack ALERT",
		Short: "Acknowledge an alert (and its incident): its paging stops",
		Args:  argsNamed("ALERT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, http.MethodPost, alertPath(args[0])+"/acknowledge", map[string]any{}, func(v *struct {
				Alert    *warroom.Alert
				Incident *warroom.Incident
				Message  string
			}) error {
				_, err := fmt.Fprintf(a.stdout, "%s: %s\n", args[0], v.Message)
				return err
			})
		},
	}
}

func (a *app) alertsDeclareCommand() *cobra.Command {
	var severity string
	cmd := &cobra.Command{
		Use:   "declare ALERT [--severity SEV2]",
		Short: "Declare an incident from an alert; you are its first responder",
		Args:  argsNamed("ALERT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{}
			if severity != "" {
				sev, err := severityArg(severity)
				if err != nil {
					return err
				}
				body["severity"] = sev
			}
			return send(a, cmd, http.MethodPost, alertPath(args[0])+"/declare", body, func(r *warroom.CommandResult) error {
				return a.printResult(cmd.Context(), r)
			})
		},
	}
	cmd.Flags().StringVar(&severity, "severity", "", "incident severity (default: the service's alert rule, else SEV3)")
	return cmd
}

func (a *app) alertsAttachCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "attach INCIDENT ALERT...",
		Short: "Attach alerts to an open incident",
		Args:  argsNamed("INCIDENT", "ALERT..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, http.MethodPost, incidentPath(args[0])+"/alerts", map[string]any{"alert_ids": args[1:]},
				func(r *warroom.CommandResult) error { return a.printResult(cmd.Context(), r) })
		},
	}
}

// message is an outbox message as the API shows it.
type message struct {
	ID, Kind, Channel, Destination, Subject, State, Queue string
	UserID                                                string `json:"user_id"`
	ThrottleReason                                        string `json:"throttle_reason"`
	LastError                                             string `json:"last_error"`
	Attempts                                              int
	DueAt                                                 time.Time  `json:"due_at"`
	SentAt                                                *time.Time `json:"sent_at"`
	History                                               []struct {
		At      time.Time
		Outcome string
		Detail  string
		// Response is what the receiver answered; the API shows it to
		// admins only.
		Response string
	}
}

func (a *app) alertsMessagesCommand() *cobra.Command {
	var incident string
	cmd := &cobra.Command{
		Use:   "messages (ALERT | --incident INC-42)",
		Short: "Show the pages and announcements sent about an alert or incident, with every attempt",
		Args:  argsNamed("[ALERT]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var path string
			switch {
			case incident != "" && len(args) == 0:
				path = incidentPath(incident) + "/messages"
			case incident == "" && len(args) == 1:
				path = alertPath(args[0]) + "/messages"
			default:
				return usageErrorf("give an alert ID or --incident, not both")
			}
			return fetch(a, cmd, path, nil, func(v *struct{ Messages []message }) error {
				name := a.namer(cmd.Context(), nil)
				for _, m := range v.Messages {
					to := m.Destination
					if m.UserID != "" {
						to = name(m.UserID) + " via " + m.Destination
					}
					fmt.Fprintf(a.stdout, "%s %s %s → %s: %s [%s, %d attempt(s), due %s, sent %s]\n", m.ID, m.Kind, m.Channel, to,
						m.Subject, m.State, m.Attempts, fmtTime(m.DueAt), fmtTimePtr(m.SentAt))
					if m.ThrottleReason != "" {
						fmt.Fprintf(a.stdout, "    throttled: %s\n", m.ThrottleReason)
					}
					for _, h := range m.History {
						fmt.Fprintf(a.stdout, "    %s %s %s\n", fmtTime(h.At), h.Outcome, h.Detail)
						if h.Response != "" {
							fmt.Fprintf(a.stdout, "      receiver answered: %s\n", h.Response)
						}
					}
				}
				if len(v.Messages) == 0 {
					fmt.Fprintln(a.stdout, "no messages")
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&incident, "incident", "", "an incident's messages instead of an alert's")
	return cmd
}

// me returns the calling user, for commands about "you" by default.
func (a *app) me(ctx context.Context) (*warroom.User, error) {
	raw, err := a.api().get(ctx, "/api/v1/me", nil)
	if err != nil {
		return nil, err
	}
	var u warroom.User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, fmt.Errorf("unexpected answer from the server: %w", err)
	}
	return &u, nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
