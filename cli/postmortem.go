package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// addPostmortemCommands adds postmortems and action items
// (docs/postmortems.md).
func (a *app) addPostmortemCommands(root *cobra.Command) {
	root.AddGroup(&cobra.Group{ID: "postmortem", Title: "Postmortems and action items:"})
	pm := &cobra.Command{Use: "postmortem", Short: "Write, review, publish and export an incident's postmortem", GroupID: "postmortem", Args: noArgs}
	pm.AddCommand(a.pmShowCommand(), a.pmEditCommand(), a.pmHistoryCommand(), a.pmRequireCommand(),
		a.pmStepCommand("submit", "Send the draft for review; you become its author"),
		a.pmStepCommand("approve", "Approve the postmortem in review (not as its author)"),
		a.pmStepCommand("reject", "Send the postmortem in review back to draft"),
		a.pmStepCommand("publish", "Publish; refused with the list of what is missing"),
		a.pmExportCommand(), a.pmReadyCommand())
	actions := &cobra.Command{Use: "actions", Short: "Add, list and follow an incident's action items", GroupID: "postmortem", Args: noArgs}
	actions.AddCommand(a.actionAddCommand(), a.actionListCommand(), a.actionUpdateCommand(), a.actionDoneCommand())
	root.AddCommand(pm, actions)
}

func (a *app) printPostmortem(v *postmortem.View) error {
	w := a.stdout
	fmt.Fprintf(w, "%s  %s\npostmortem: %s (version %d)\n", v.Ref, v.Title, v.State, v.Version)
	if len(v.Required) > 0 {
		fmt.Fprintf(w, "required: %s\n", strings.Join(v.Required, "; "))
	} else {
		fmt.Fprintln(w, "required: no (require it with `warroom postmortem require`)")
	}
	for _, s := range v.Sections {
		state := fmt.Sprintf("v%d by %s", s.Version, s.UpdatedBy)
		if s.Prefilled {
			state = "prefilled"
		}
		fmt.Fprintf(w, "\n== %s [%s] (%s)\n%s\n", s.Title, s.Section, state, indent(orDash(s.Text)))
	}
	fmt.Fprintf(w, "\naction items: %d\n", len(v.Items))
	for _, it := range v.Items {
		fmt.Fprintf(w, "  #%d %s (%s, %s, due %s, %s)\n", it.Number, it.Title, v.People[it.OwnerID], it.Criticality, it.TargetDate, it.Status)
	}
	for _, f := range v.Findings {
		fmt.Fprintf(w, "blame? %s: %q: %s\n", f.Section, f.Text, f.Suggestion)
	}
	if len(v.Missing) > 0 {
		fmt.Fprintf(w, "to publish: %s\n", strings.Join(v.Missing, "; "))
	}
	return nil
}

func (a *app) pmShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show the postmortem: sections, action items, blameless-lint findings, what is missing",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/postmortem", nil, a.printPostmortem)
		},
	}
}

func (a *app) pmEditCommand() *cobra.Command {
	var version int64
	cmd := &cobra.Command{
		Use:   "edit INCIDENT SECTION TEXT... [--version N]",
		Short: "Save one section (summary, impact_customers, root_causes, ...); refused if someone saved it since --version",
		Args:  cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			base := version
			if !cmd.Flags().Changed("version") {
				raw, err := a.api().get(cmd.Context(), incidentPath(args[0])+"/postmortem", nil)
				if err != nil {
					return err
				}
				var v postmortem.View
				if err := json.Unmarshal(raw, &v); err != nil {
					return fmt.Errorf("unexpected answer from the server: %w", err)
				}
				for _, s := range v.Sections {
					if string(s.Section) == args[1] {
						base = s.Version
					}
				}
			}
			return send(a, cmd, "PUT", incidentPath(args[0])+"/postmortem/sections/"+url.PathEscape(args[1]),
				map[string]any{"text": strings.Join(args[2:], " "), "version": base}, func(v *postmortem.View) error {
					fmt.Fprintf(a.stdout, "%s saved\n", args[1])
					for _, f := range v.Findings {
						if string(f.Section) == args[1] {
							fmt.Fprintf(a.stdout, "blame? %q: %s\n", f.Text, f.Suggestion)
						}
					}
					return nil
				})
		},
	}
	cmd.Flags().Int64Var(&version, "version", 0, "the version you started from (default: the current one)")
	return cmd
}

func (a *app) pmHistoryCommand() *cobra.Command {
	var section string
	cmd := &cobra.Command{
		Use:   "history INCIDENT [--section S]",
		Short: "Show every saved version of the sections, oldest first",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if section != "" {
				q.Set("section", section)
			}
			return fetch(a, cmd, incidentPath(args[0])+"/postmortem/history", q, func(l *struct {
				Revisions []warroom.PostmortemRevision `json:"revisions"`
			}) error {
				name := a.namer(cmd.Context(), nil)
				for _, r := range l.Revisions {
					fmt.Fprintf(a.stdout, "%s  %s v%d by %s\n%s\n", fmtTime(r.At), r.Section, r.Version, name(r.By), indent(orDash(r.Text)))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&section, "section", "", "only this section")
	return cmd
}

func (a *app) pmRequireCommand() *cobra.Command {
	var reason string
	var not bool
	cmd := &cobra.Command{
		Use:   "require INCIDENT --reason TEXT | --not",
		Short: "Require a postmortem the rules do not (major, SLO, data loss) require, or withdraw that",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", incidentPath(args[0])+"/postmortem/required",
				map[string]any{"required": !not, "reason": reason}, func(v *postmortem.View) error {
					fmt.Fprintf(a.stdout, "required: %s\n", orDash(strings.Join(v.Required, "; ")))
					return nil
				})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it is required")
	cmd.Flags().BoolVar(&not, "not", false, "withdraw the request")
	return cmd
}

func (a *app) pmStepCommand(step, short string) *cobra.Command {
	return &cobra.Command{
		Use:   step + " INCIDENT",
		Short: short,
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", incidentPath(args[0])+"/postmortem/"+step, nil, func(v *postmortem.View) error {
				fmt.Fprintf(a.stdout, "postmortem of %s is %s\n", v.Ref, v.State)
				return nil
			})
		},
	}
}

func (a *app) pmExportCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export INCIDENT [--file FILE]",
		Short: "Print the postmortem as Markdown, with the whole timeline",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			md, err := a.api().get(cmd.Context(), incidentPath(args[0])+"/postmortem/export", nil)
			if err != nil {
				return err
			}
			if out != "" {
				return os.WriteFile(out, md, 0o644)
			}
			_, err = a.stdout.Write(md)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "file", "", "write to this file instead")
	return cmd
}

func (a *app) pmReadyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "ready INCIDENT",
		Short: "Say what keeps the incident from closing (published postmortem, follow-ups, owners, dates, tickets)",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/close-readiness", nil, func(r *struct {
				Ready   bool     `json:"ready"`
				Missing []string `json:"missing"`
			}) error {
				if r.Ready {
					fmt.Fprintf(a.stdout, "%s may close: its Incident Owner closes it with `warroom close %s`\n", args[0], args[0])
					return nil
				}
				fmt.Fprintf(a.stdout, "%s cannot close yet:\n", args[0])
				for _, m := range r.Missing {
					fmt.Fprintf(a.stdout, "  - %s\n", m)
				}
				return nil
			})
		},
	}
}

// actionFlags are the flags of actions add and update, by API field.
var actionFlags = map[string]string{"title": "title", "owner": "owner", "due": "target_date", "category": "category",
	"criticality": "criticality", "status": "status", "ticket": "ticket_key", "ticket-url": "ticket_url"}

func addActionFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.String("title", "", "what will be done")
	fs.String("owner", "", "who sees it done (handle)")
	fs.String("due", "", "target date, e.g. 2026-12-31 (today or later)")
	fs.String("category", "", "avoid_recurrence, fix_root_cause, improve_monitoring, resiliency, automated_recovery or reduce_time_to_recover")
	fs.String("criticality", "", "low, medium (default), high or critical")
	fs.String("status", "", "open, in_progress, done or cancelled")
	fs.String("ticket", "", "the tracker ticket's key, e.g. SRE-42")
	fs.String("ticket-url", "", "the tracker ticket's URL")
}

func (a *app) printItem(it *postmortem.ItemView) error {
	overdue := ""
	if it.Overdue {
		overdue = " OVERDUE"
	}
	fmt.Fprintf(a.stdout, "%s #%d %s\n  id %s\n  owner %s, %s, due %s%s, %s, %s", it.Ref, it.Number, it.Title, it.ID, it.Owner,
		it.Criticality, it.TargetDate, overdue, it.Category, it.Status)
	if it.TicketKey != "" {
		fmt.Fprintf(a.stdout, ", ticket %s", it.TicketKey)
	}
	fmt.Fprintln(a.stdout)
	return nil
}

func (a *app) actionAddCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add INCIDENT --title TEXT --owner HANDLE --due DATE --category C [--criticality C]",
		Short: "Add an action item; its owner and the Incident Owner are reminded when it is due and overdue",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "POST", incidentPath(args[0])+"/action-items", changedFlags(cmd, actionFlags), a.printItem)
		},
	}
	addActionFlags(cmd)
	for _, f := range []string{"title", "owner", "due", "category"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (a *app) actionListCommand() *cobra.Command {
	var incident, owner string
	var open bool
	cmd := &cobra.Command{
		Use:   "list [--incident INCIDENT] [--owner HANDLE] [--open]",
		Short: "List action items you may see, by target date",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if incident != "" {
				q.Set("incident", incident)
			}
			if owner != "" {
				q.Set("owner", owner)
			}
			if open {
				q.Set("open", "true")
			}
			return fetch(a, cmd, "/api/v1/action-items", q, func(l *struct {
				Items []*postmortem.ItemView `json:"action_items"`
			}) error {
				if len(l.Items) == 0 {
					fmt.Fprintln(a.stdout, "no action items")
				}
				tw := table(a.stdout, "INCIDENT", "#", "TITLE", "OWNER", "DUE", "CRITICALITY", "STATUS", "TICKET", "ID")
				for _, it := range l.Items {
					due := it.TargetDate
					if it.Overdue {
						due += " (overdue)"
					}
					row(tw, it.Ref, fmt.Sprint(it.Number), it.Title, it.Owner, due, string(it.Criticality), string(it.Status), orDash(it.TicketKey), it.ID)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&incident, "incident", "", "only this incident's")
	cmd.Flags().StringVar(&owner, "owner", "", "only this person's (handle)")
	cmd.Flags().BoolVar(&open, "open", false, "only items not done or cancelled")
	return cmd
}

func (a *app) actionUpdateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update ITEM [--status S] [--owner H] [--due DATE] [--ticket KEY] ...",
		Short: "Change an action item's fields; only the flags given change",
		Args:  argsNamed("ITEM"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "PATCH", "/api/v1/action-items/"+url.PathEscape(args[0]), changedFlags(cmd, actionFlags), a.printItem)
		},
	}
	addActionFlags(cmd)
	return cmd
}

func (a *app) actionDoneCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "done ITEM",
		Short: "Mark an action item done; the incident's timeline records it",
		Args:  argsNamed("ITEM"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, "PATCH", "/api/v1/action-items/"+url.PathEscape(args[0]), map[string]any{"status": "done"}, a.printItem)
		},
	}
}
