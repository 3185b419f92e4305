package cli

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// addStatusCommands adds `warroom status` (docs/status-page.md): the
// public status page's components, incidents made public, maintenance
// and subscribers.
func (a *app) addStatusCommands(root *cobra.Command) {
	c := &cobra.Command{Use: "status", Short: "Manage the public status page: components, public incidents, maintenance, subscribers",
		GroupID: "comms", Args: noArgs}
	c.AddCommand(a.statusComponentsCommand(), a.statusComponentAddCommand(), a.statusComponentRemoveCommand(),
		a.statusSetCommand(), a.statusHistoryCommand(), a.statusPublishCommand(),
		a.statusMaintenanceCommand(), a.statusMaintenanceAddCommand(), a.statusMaintenanceUpdateCommand(), a.statusMaintenanceCancelCommand(),
		a.statusSubscribersCommand(), a.statusWebhookAddCommand(), a.statusSubscriberRemoveCommand())
	root.AddCommand(c)
}

func (a *app) statusComponentsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "components",
		Short: "List the status page's components with their status set by hand, if any",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/status/components", nil, func(l *struct {
				Components []*warroom.StatusComponent `json:"components"`
			}) error {
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tGROUP\tSERVICES\tSET BY HAND\tID")
				for _, c := range l.Components {
					manual := "-"
					if c.ManualStatus != "" {
						manual = string(c.ManualStatus) + " (" + c.ManualReason + ")"
					}
					fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", c.Name, orDash(c.Group), len(c.ServiceIDs), manual, c.ID)
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) statusComponentAddCommand() *cobra.Command {
	var name, group, description string
	var services []string
	var position int
	cmd := &cobra.Command{
		Use:   "component-add --name NAME [--group G] [--service S]...",
		Short: "Add a component grouping services (admin)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return send(a, cmd, "POST", "/api/v1/status/components", map[string]any{"name": name, "group": group,
				"description": description, "position": position, "services": nonNilList(services)}, func(c *warroom.StatusComponent) error {
				fmt.Fprintf(a.stdout, "component %s added (%s)\n", c.Name, c.ID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what customers call it")
	cmd.Flags().StringVar(&group, "group", "", "the group it is shown in")
	cmd.Flags().StringVar(&description, "description", "", "one line shown beside it")
	cmd.Flags().IntVar(&position, "position", 0, "order on the page (lower first)")
	cmd.Flags().StringArrayVar(&services, "service", nil, "a service it groups (ID or slug); repeat for several")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *app) statusComponentRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "component-remove COMPONENT",
		Short: "Remove a component (admin); its history stays",
		Args:  argsNamed("COMPONENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.statusDelete(cmd, "/api/v1/status/components/"+url.PathEscape(args[0]), "component "+args[0]+" removed")
		},
	}
}

func (a *app) statusDelete(cmd *cobra.Command, path, done string) error {
	if _, err := a.api().call(cmd.Context(), "DELETE", path, nil, nil); err != nil {
		return err
	}
	if !a.jsonMode {
		fmt.Fprintln(a.stdout, done)
	}
	return nil
}

func (a *app) statusSetCommand() *cobra.Command {
	var reason string
	var clear bool
	cmd := &cobra.Command{
		Use:   "set COMPONENT STATUS --reason TEXT | set COMPONENT --clear",
		Short: "Set a component's status by hand (operational, under_maintenance, degraded_performance, partial_outage, major_outage), or clear it",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			status := ""
			switch {
			case clear && len(args) == 1:
			case !clear && len(args) == 2:
				status = args[1]
			default:
				return usageErrorf("give COMPONENT STATUS --reason TEXT, or COMPONENT --clear")
			}
			return send(a, cmd, "POST", "/api/v1/status/components/"+url.PathEscape(args[0])+"/status",
				map[string]any{"status": status, "reason": reason}, func(c *warroom.StatusComponent) error {
					if c.ManualStatus == "" {
						fmt.Fprintf(a.stdout, "%s follows incidents and maintenance again\n", c.Name)
					} else {
						fmt.Fprintf(a.stdout, "%s is %s: %s\n", c.Name, c.ManualStatus, c.ManualReason)
					}
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required to set)")
	cmd.Flags().BoolVar(&clear, "clear", false, "clear the status set by hand")
	return cmd
}

func (a *app) statusHistoryCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "history COMPONENT",
		Short: "A component's status changes over the last 90 days",
		Args:  argsNamed("COMPONENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, "/api/v1/status/components/"+url.PathEscape(args[0])+"/history", nil, func(l *struct {
				Changes []warroom.ComponentChange `json:"changes"`
			}) error {
				if len(l.Changes) == 0 {
					fmt.Fprintln(a.stdout, "no changes: operational throughout")
				}
				for _, c := range l.Changes {
					fmt.Fprintf(a.stdout, "%s  %-22s %-12s %s\n", c.At.Format(time.RFC3339), c.Status, c.Source, c.Reason)
				}
				return nil
			})
		},
	}
}

func (a *app) statusPublishCommand() *cobra.Command {
	var title, impact string
	cmd := &cobra.Command{
		Use:   "publish INCIDENT --title TEXT [--impact degraded_performance|partial_outage|major_outage]",
		Short: "Make an incident public on the status page under a title written for customers",
		Long: "Make an incident public: the status page shows the title given here (never the internal one), the incident's\n" +
			"customer updates and the components of its services; nothing else. A private incident cannot be made public.\n" +
			"Run again to change the title or impact.",
		Args: argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", incidentPath(args[0])+"/public", map[string]any{"title": title, "impact": impact},
				func(p *warroom.PublicIncident) error {
					fmt.Fprintf(a.stdout, "%s is public as %q (%s), at /status/incidents/%s\n", args[0], p.Title, p.Impact, p.Slug)
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "the title customers see")
	cmd.Flags().StringVar(&impact, "impact", "", "impact on its components (default: from the severity)")
	_ = cmd.MarkFlagRequired("title")
	return cmd
}

func (a *app) statusMaintenanceCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "maintenance",
		Short: "List maintenance windows (the last 90 days and later)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/status/maintenance", nil, func(l *struct {
				Maintenance []*warroom.Maintenance `json:"maintenance"`
			}) error {
				if len(l.Maintenance) == 0 {
					fmt.Fprintln(a.stdout, "no maintenance")
				}
				now := a.now()
				for _, m := range l.Maintenance {
					fmt.Fprintf(a.stdout, "%s  %s → %s  %-11s %s\n", m.ID, m.StartsAt.Format(time.RFC3339), m.EndsAt.Format(time.RFC3339), m.Phase(now), m.Title)
				}
				return nil
			})
		},
	}
}

// parseFuture reads an RFC 3339 time or "+DURATION" from now.
func parseFuture(flag, s string, now time.Time) (time.Time, error) {
	if d, ok := strings.CutPrefix(s, "+"); ok {
		dur, err := time.ParseDuration(d)
		if err == nil {
			return now.Add(dur), nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErrorf("--%s %q is not an RFC 3339 time or +DURATION (e.g. 2026-12-08T02:00:00Z or +2h)", flag, s)
	}
	return t, nil
}

func (a *app) statusMaintenanceAddCommand() *cobra.Command {
	var title, description, start, end string
	var components []string
	cmd := &cobra.Command{
		Use:   "maintenance-add --title T --start TIME --end TIME [--component C]...",
		Short: "Schedule a maintenance window; subscribers are told now, when it starts and when it ends",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseFuture("start", start, a.now())
			if err != nil {
				return err
			}
			to, err := parseFuture("end", end, a.now())
			if err != nil {
				return err
			}
			return send(a, cmd, "POST", "/api/v1/status/maintenance", map[string]any{"title": title, "description": description,
				"components": nonNilList(components), "starts_at": from, "ends_at": to}, func(m *warroom.Maintenance) error {
				fmt.Fprintf(a.stdout, "maintenance %s scheduled: %s → %s\n", m.ID, m.StartsAt.Format(time.RFC3339), m.EndsAt.Format(time.RFC3339))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "what is done")
	cmd.Flags().StringVar(&description, "description", "", "what customers should expect")
	cmd.Flags().StringVar(&start, "start", "", "when it starts: RFC 3339 or +DURATION")
	cmd.Flags().StringVar(&end, "end", "", "when it ends: RFC 3339 or +DURATION")
	cmd.Flags().StringArrayVar(&components, "component", nil, "a component under maintenance (ID or name); repeat for several")
	for _, f := range []string{"title", "start", "end"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (a *app) statusMaintenanceUpdateCommand() *cobra.Command {
	var body string
	cmd := &cobra.Command{
		Use:   "maintenance-update ID --body TEXT",
		Short: "Post an update on a maintenance window (subscribers get it)",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", "/api/v1/status/maintenance/"+url.PathEscape(args[0])+"/updates", map[string]any{"body": body},
				func(u *warroom.MaintenanceUpdate) error {
					fmt.Fprintf(a.stdout, "update posted at %s\n", u.At.Format(time.RFC3339))
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&body, "body", "", "the update")
	_ = cmd.MarkFlagRequired("body")
	return cmd
}

func (a *app) statusMaintenanceCancelCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "maintenance-cancel ID",
		Short: "Cancel a maintenance window that is not over",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.api().call(cmd.Context(), "POST", "/api/v1/status/maintenance/"+url.PathEscape(args[0])+"/cancel", nil, nil); err != nil {
				return err
			}
			if !a.jsonMode {
				fmt.Fprintf(a.stdout, "maintenance %s cancelled\n", args[0])
			}
			return nil
		},
	}
}

func (a *app) statusSubscribersCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "subscribers",
		Short: "List the status page's subscribers, confirmed or not (admin)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/status/subscribers", nil, func(l *struct {
				Subscribers []*warroom.Subscriber `json:"subscribers"`
			}) error {
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "KIND\tADDRESS\tCONFIRMED\tCOMPONENTS\tID")
				for _, s := range l.Subscribers {
					conf := "no"
					if s.ConfirmedAt != nil {
						conf = s.ConfirmedAt.Format(time.RFC3339)
					}
					comps := "all"
					if len(s.ComponentIDs) > 0 {
						comps = fmt.Sprint(len(s.ComponentIDs))
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Kind, s.Address, conf, comps, s.ID)
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) statusWebhookAddCommand() *cobra.Command {
	var components []string
	cmd := &cobra.Command{
		Use:   "webhook-add URL [--component C]...",
		Short: "Add a webhook subscriber (admin); prints its signing secret once",
		Args:  argsNamed("URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", "/api/v1/status/subscribers", map[string]any{"url": args[0], "components": nonNilList(components)},
				func(s *struct {
					ID     string `json:"id"`
					Secret string `json:"secret"`
				}) error {
					fmt.Fprintf(a.stdout, "webhook subscriber %s added\nsigning secret (shown once; X-Warroom-Signature is HMAC-SHA256 of \"<timestamp>.<body>\"): %s\n", s.ID, s.Secret)
					return nil
				})
		},
	}
	cmd.Flags().StringArrayVar(&components, "component", nil, "only notices about this component (ID or name); repeat for several")
	return cmd
}

func (a *app) statusSubscriberRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "subscriber-remove ID",
		Short: "Remove a subscriber (admin)",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.statusDelete(cmd, "/api/v1/status/subscribers/"+url.PathEscape(args[0]), "subscriber "+args[0]+" removed")
		},
	}
}
