package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
)

// addCommsCommands adds communications (docs/communications.md): updates
// and their templates, customers, the assessment and asking for help.
func (a *app) addCommsCommands(root *cobra.Command) {
	root.AddGroup(&cobra.Group{ID: "comms", Title: "Communications:"})
	group := func(name, short string, subs ...*cobra.Command) *cobra.Command {
		c := &cobra.Command{Use: name, Short: short, GroupID: "comms", Args: noArgs}
		c.AddCommand(subs...)
		return c
	}
	assess, help := a.assessCommand(), a.helpCommand()
	assess.GroupID, help.GroupID = "comms", "comms"
	root.AddCommand(
		group("updates", "Send and read an incident's updates; templates, summary and cadence",
			a.updatesSendCommand(), a.updatesListCommand(), a.updatesDraftCommand(), a.updatesSummaryCommand(),
			a.updatesCadenceCommand(), a.updatesDeliveriesCommand(), a.templatesListCommand(), a.templateSetCommand()),
		group("customers", "Manage customers: contacts, manager, shared Slack channel, services",
			a.customerCreateCommand(), a.customerUpdateCommand(), a.customerListCommand(), a.customerShowCommand(), a.customerDeleteCommand()),
		assess, help,
	)
}

func (a *app) updatesSendCommand() *cobra.Command {
	var audience, subject, body string
	cmd := &cobra.Command{
		Use:   "send INCIDENT --audience internal|customers|executives [--body TEXT]",
		Short: "Send an update; without --body, the audience's template filled in for the incident now",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", incidentPath(args[0])+"/updates",
				map[string]any{"audience": audience, "subject": subject, "body": body}, func(u *warroom.Update) error {
					fmt.Fprintf(a.stdout, "%s update sent at %s (timeline #%d): %s\n", u.Audience, u.At.Format(time.RFC3339), u.Seq, u.Subject)
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&audience, "audience", "", "internal, customers or executives")
	cmd.Flags().StringVar(&subject, "subject", "", "one line (default: the template's)")
	cmd.Flags().StringVar(&body, "body", "", "the update (default: the template's); see `warroom updates draft`")
	_ = cmd.MarkFlagRequired("audience")
	return cmd
}

func (a *app) printUpdates(list []*warroom.Update) {
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "no updates")
	}
	for _, u := range list {
		fmt.Fprintf(a.stdout, "%s  %-10s  %s\n%s\n\n", u.At.Format(time.RFC3339), u.Audience, u.Subject, indent(u.Body))
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

func (a *app) updatesListCommand() *cobra.Command {
	var audience string
	cmd := &cobra.Command{
		Use:   "list INCIDENT [--audience A]",
		Short: "List an incident's updates, newest first",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if audience != "" {
				q.Set("audience", audience)
			}
			return fetch(a, cmd, incidentPath(args[0])+"/updates", q, func(l *struct {
				Updates []*warroom.Update `json:"updates"`
			}) error {
				a.printUpdates(l.Updates)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&audience, "audience", "", "only updates to internal, customers or executives")
	return cmd
}

func (a *app) updatesDraftCommand() *cobra.Command {
	var audience string
	cmd := &cobra.Command{
		Use:   "draft INCIDENT [--audience A]",
		Short: "Show an update prefilled from the audience's template",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/updates/draft", url.Values{"audience": {audience}}, func(d *comms.Draft) error {
				fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", d.Subject, d.Body)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&audience, "audience", "internal", "internal, customers or executives")
	return cmd
}

func (a *app) updatesSummaryCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "summary INCIDENT",
		Short: "Print the executive summary of an incident as it stands",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/summary", nil, func(s *comms.Summary) error {
				fmt.Fprint(a.stdout, s.Text)
				return nil
			})
		},
	}
}

func (a *app) updatesCadenceCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "cadence INCIDENT",
		Short: "Show the update cadence: what is due, updates sent, deadlines missed, longest gap",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/cadence", nil, func(r *comms.CadenceReport) error {
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "AUDIENCE\tSTATE\tEVERY\tDUE\tSENT\tMISSED\tLONGEST GAP")
				for _, s := range r.Audiences {
					due := "-"
					if s.DueAt != nil {
						due = s.DueAt.Format(time.RFC3339)
					}
					every := "-"
					if s.Interval > 0 {
						every = warroom.ShortDuration(time.Duration(s.Interval))
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Audience, s.State, every, due, s.Sent, s.Missed,
						warroom.ShortDuration(time.Duration(s.LongestGap).Truncate(time.Second)))
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) updatesDeliveriesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "deliveries INCIDENT",
		Short: "Show where an incident's customer updates went: email and Slack, sent or why not",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/deliveries", nil, func(l *struct {
				Deliveries []*warroom.CustomerDelivery `json:"deliveries"`
			}) error {
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "CREATED\tCHANNEL\tTO\tCC\tSTATE\tTRIES\tERROR")
				for _, d := range l.Deliveries {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.CreatedAt.Format(time.RFC3339), d.Channel,
						strings.Join(d.To, ","), orDash(strings.Join(d.CC, ",")), d.State, d.Attempts, d.LastError)
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) templatesListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "templates",
		Short: "Show the update template of each audience",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/update-templates", nil, func(l *struct {
				Templates []warroom.UpdateTemplate `json:"templates"`
			}) error {
				for _, t := range l.Templates {
					state := "edited by " + t.UpdatedBy
					if t.Default {
						state = "default"
					}
					fmt.Fprintf(a.stdout, "== %s (%s)\nSubject: %s\n%s\n", t.Audience, state, t.Subject, t.Body)
				}
				return nil
			})
		},
	}
}

func (a *app) templateSetCommand() *cobra.Command {
	var subject, body string
	cmd := &cobra.Command{
		Use:   "template-set AUDIENCE --body TEMPLATE [--subject TEMPLATE]",
		Short: "Replace an audience's template (admin); refused if it does not render",
		Args:  argsNamed("AUDIENCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "PUT", "/api/v1/update-templates/"+url.PathEscape(args[0]),
				map[string]any{"subject": subject, "body": body}, func(t *warroom.UpdateTemplate) error {
					fmt.Fprintf(a.stdout, "%s template saved\n", t.Audience)
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "", "text/template of the subject (default: the built-in one)")
	cmd.Flags().StringVar(&body, "body", "", "text/template of the body, e.g. 'Impact: {{.Impact}}'")
	_ = cmd.MarkFlagRequired("body")
	return cmd
}

// customerFlags are the flags of customer create and update.
type customerFlags struct {
	name, manager, managerEmail, slack string
	contacts, services                 []string
}

func (f *customerFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.name, "name", "", "the organisation's name")
	fs.StringSliceVar(&f.contacts, "contact", nil, "contact email, or \"Name <email>\" (repeatable)")
	fs.StringVar(&f.manager, "manager", "", "the customer's manager on our side")
	fs.StringVar(&f.managerEmail, "manager-email", "", "the manager's email: copied on every customer update")
	fs.StringVar(&f.slack, "slack-channel", "", "ID of the Slack channel shared with the customer, e.g. C0123456789")
	fs.StringSliceVar(&f.services, "service", nil, "a service the customer uses, by slug (repeatable)")
}

func (f *customerFlags) body() map[string]any {
	contacts := []warroom.CustomerContact{}
	for _, c := range f.contacts {
		name, email, ok := strings.Cut(c, "<")
		if ok {
			contacts = append(contacts, warroom.CustomerContact{Name: strings.TrimSpace(name), Email: strings.TrimSpace(strings.TrimSuffix(email, ">"))})
		} else {
			contacts = append(contacts, warroom.CustomerContact{Email: strings.TrimSpace(c)})
		}
	}
	services := f.services
	if services == nil {
		services = []string{}
	}
	return map[string]any{"name": f.name, "contacts": contacts, "manager_name": f.manager, "manager_email": f.managerEmail,
		"slack_channel": f.slack, "services": services}
}

func (a *app) printCustomer(ctx context.Context) func(c *warroom.Customer) error {
	return func(c *warroom.Customer) error {
		var contacts []string
		for _, ct := range c.Contacts {
			if ct.Name != "" {
				contacts = append(contacts, ct.Name+" <"+ct.Email+">")
			} else {
				contacts = append(contacts, ct.Email)
			}
		}
		fmt.Fprintf(a.stdout, "%s (%s)\n  contacts: %s\n  manager: %s %s\n  slack channel: %s\n  services: %s\n", c.Name, c.ID,
			orDash(strings.Join(contacts, ", ")), c.ManagerName, orDash(c.ManagerEmail), orDash(c.SlackChannel),
			orDash(strings.Join(a.serviceSlugs(ctx, c.ServiceIDs), ", ")))
		return nil
	}
}

func (a *app) customerCreateCommand() *cobra.Command {
	var f customerFlags
	cmd := &cobra.Command{
		Use:   "create --name NAME --contact EMAIL... [--manager-email EMAIL] [--service SLUG...]",
		Short: "Add a customer (admin)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return send(a, cmd, "POST", "/api/v1/customers", f.body(), a.printCustomer(cmd.Context()))
		},
	}
	f.register(cmd)
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) customerUpdateCommand() *cobra.Command {
	var f customerFlags
	cmd := &cobra.Command{
		Use:   "update CUSTOMER --name NAME ...",
		Short: "Replace a customer's details (admin): give every field, as for create",
		Args:  argsNamed("CUSTOMER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "PUT", "/api/v1/customers/"+url.PathEscape(args[0]), f.body(), a.printCustomer(cmd.Context()))
		},
	}
	f.register(cmd)
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) customerListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List customers",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/customers", nil, func(l *struct {
				Customers []*warroom.Customer `json:"customers"`
			}) error {
				if len(l.Customers) == 0 {
					fmt.Fprintln(a.stdout, "no customers")
				}
				for _, c := range l.Customers {
					if err := a.printCustomer(cmd.Context())(c); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
}

func (a *app) customerShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show CUSTOMER",
		Short: "Show a customer by name or ID",
		Args:  argsNamed("CUSTOMER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, "/api/v1/customers/"+url.PathEscape(args[0]), nil, a.printCustomer(cmd.Context()))
		},
	}
}

func (a *app) customerDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete CUSTOMER",
		Short: "Remove a customer (admin); its past deliveries stay",
		Args:  argsNamed("CUSTOMER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.api().call(cmd.Context(), "DELETE", "/api/v1/customers/"+url.PathEscape(args[0]), nil, nil); err != nil {
				return err
			}
			if !a.jsonMode {
				fmt.Fprintf(a.stdout, "customer %s removed\n", args[0])
			}
			return nil
		},
	}
}

func (a *app) assessCommand() *cobra.Command {
	var who, impact, started string
	cmd := &cobra.Command{
		Use:   "assess INCIDENT [--who TEXT] [--impact TEXT] [--started TIME]",
		Short: "Answer the assessment questions: who is affected, the actual impact, when it started",
		Long: "Answer the three assessment questions asked right after declaration (seed 003); rough answers\n" +
			"first, revisited later. A question not given keeps its answer. --started is an RFC 3339 time or a\n" +
			"duration ago (45m); an earlier start also corrects the incident's impact start.",
		Args: argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{"who_affected": who, "actual_impact": impact}
			if started != "" {
				t, err := parseWhen(started, a.now())
				if err != nil {
					return err
				}
				body["started_at"] = t
			}
			return a.command(cmd.Context(), args[0], "/assessment", body)
		},
	}
	cmd.Flags().StringVar(&who, "who", "", "who is affected: one customer, all, 20%?")
	cmd.Flags().StringVar(&impact, "impact", "", "the actual impact of the failure")
	cmd.Flags().StringVar(&started, "started", "", "when the issue started: a time or a duration ago")
	return cmd
}

func (a *app) helpCommand() *cobra.Command {
	var team, policy, reason string
	cmd := &cobra.Command{
		Use:   "need-help INCIDENT (--team TEAM | --policy POLICY) --reason TEXT",
		Short: "Ask a team or an escalation policy for help: they are paged, and the timeline says why",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.command(cmd.Context(), args[0], "/help", map[string]any{"team": team, "escalation_policy": policy, "reason": reason})
		},
	}
	cmd.Flags().StringVar(&team, "team", "", "team slug: its members are paged")
	cmd.Flags().StringVar(&policy, "policy", "", "escalation policy name: its steps are paged in turn until someone paged joins in")
	cmd.Flags().StringVar(&reason, "reason", "", "why you need help (required)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}
