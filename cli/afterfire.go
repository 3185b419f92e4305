package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
)

// addAfterFireCommands adds what happens around and after recovery
// (docs/after-the-fire.md): shift handoffs, the checked return to
// baseline, the timeline session's draft follow-ups.
func (a *app) addAfterFireCommands(root *cobra.Command) {
	root.AddGroup(&cobra.Group{ID: "afterfire", Title: "Handoffs and after the fire:"})
	handoff := &cobra.Command{Use: "handoff", Short: "Hand an incident to the next shift with the brief (seed 004)", GroupID: "afterfire", Args: noArgs}
	handoff.AddCommand(a.handoffShowCommand(), a.handoffStartCommand(), a.handoffTeamCommand(), a.handoffCompleteCommand(),
		a.actionCommand(action{name: "ack", short: "Acknowledge, as an incoming person, the brief of the last handoff", args: []string{"INCIDENT"},
			build: func([]string, string) (string, any, error) { return "/handoff/acknowledge", map[string]any{}, nil }}))
	baseline := &cobra.Command{Use: "baseline", Short: "Check the return to baseline: checklist and Alertmanager silences", GroupID: "afterfire", Args: noArgs}
	baseline.AddCommand(a.baselineSilencesCommand(), a.baselineCompleteCommand())
	followUp := a.followUpCommand()
	followUp.GroupID = "afterfire"
	root.AddCommand(handoff, baseline, followUp)
	a.addReviewCommands(root)
}

func (a *app) handoffShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show the handoff in progress, the brief as warroom fills it in, and what is still missing",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/handoff", nil, func(v *afterfire.HandoffView) error {
				a.printHandoff(v)
				return nil
			})
		},
	}
}

func (a *app) printHandoff(v *afterfire.HandoffView) {
	w := a.stdout
	if p := v.Pending; p != nil {
		fmt.Fprintf(w, "Handoff in progress since %s: Incident Commander %s → %s", p.StartedAt.Format(time.RFC3339), p.OutgoingCommander, p.IncomingCommander)
		if p.TeamNamed {
			fmt.Fprintf(w, "; Technical Lead %s; supporting %s", p.IncomingTechLead, strings.Join(p.IncomingSupporting, ", "))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "No handoff in progress.")
	}
	if l := v.Last; l != nil {
		fmt.Fprintf(w, "Last handoff completed %s; not yet acknowledged by: %s\n", l.CompletedAt.Format(time.RFC3339), orNone(l.PendingAcknowledgement()))
	}
	d := v.Draft
	fmt.Fprintf(w, "\nBrief as warroom fills it in:\n  open hypotheses: %s\n  eliminated: %s\n  confirmed: %s\n",
		orNone(d.OpenHypotheses), orNone(d.EliminatedHypotheses), orNone(d.ConfirmedHypotheses))
	if d.LastCustomerUpdateAt != nil {
		fmt.Fprintf(w, "  last customer update (%s):\n%s\n", d.LastCustomerUpdateAt.Format(time.RFC3339), indent(indent(d.LastCustomerUpdate)))
	} else {
		fmt.Fprintln(w, "  last customer update: none sent")
	}
	fmt.Fprintf(w, "  chat: %s  bridge: %s\n", orDash(d.Channels.Chat), orDash(d.Channels.Bridge))
	if len(v.Missing) > 0 {
		fmt.Fprintf(w, "\nStill missing:\n  - %s\n", strings.Join(v.Missing, "\n  - "))
	}
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, "; ")
}

func (a *app) handoffStartCommand() *cobra.Command {
	return a.actionCommand(action{name: "start", short: "Start a handoff: as the outgoing Incident Commander, name the incoming one",
		args: []string{"INCIDENT", "INCOMING_IC"},
		build: func(args []string, _ string) (string, any, error) {
			return "/handoff", map[string]any{"incoming_commander": args[1]}, nil
		}})
}

func (a *app) handoffTeamCommand() *cobra.Command {
	var supporting []string
	cmd := a.actionCommand(action{name: "team", short: "As the incoming Incident Commander, name the incoming Technical Lead and supporting responders",
		args: []string{"INCIDENT", "TECH_LEAD"},
		build: func(args []string, _ string) (string, any, error) {
			return "/handoff/team", map[string]any{"technical_lead": args[1], "supporting": supporting}, nil
		}})
	cmd.Flags().StringSliceVar(&supporting, "supporting", nil, "supporting responders (handles), repeat or comma-separate")
	return cmd
}

func (a *app) handoffCompleteCommand() *cobra.Command {
	var b warroom.HandoffBrief
	cmd := a.actionCommand(action{name: "complete", short: "Complete the handoff with the brief; refused with the list of what is missing",
		args: []string{"INCIDENT"},
		build: func([]string, string) (string, any, error) {
			return "/handoff/complete", map[string]any{"brief": b}, nil
		}})
	f := cmd.Flags()
	f.StringVar(&b.TechnicalStatus, "status", "", "technical status of the issue")
	f.StringVar(&b.HypothesesNote, "hypotheses-note", "", "why there are no hypotheses yet (when the timeline has none)")
	f.StringVar(&b.CustomerUpdateNote, "customer-update-note", "", "why no customer update was sent (when none was)")
	f.StringVar(&b.Channels.Chat, "chat", "", "chat channel in play (default: the incident channel); none if none")
	f.StringVar(&b.Channels.Bridge, "bridge", "", "bridge in play (default: the incident's); none if none")
	f.StringVar(&b.Channels.TrackingDoc, "tracking-doc", "", "tracking document in play; none if none")
	f.StringVar(&b.Channels.EmailThread, "email-thread", "", "email thread in play; none if none")
	f.StringVar(&b.ExternalPeople, "external", "", "key people outside the team engaged; none if nobody")
	return cmd
}

func (a *app) baselineSilencesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "silences INCIDENT",
		Short: "Ask Alertmanager now for active silences matching the incident's alerts",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/baseline/silences", nil, func(c *warroom.SilenceCheck) error {
				a.printSilenceCheck(c)
				return nil
			})
		},
	}
}

func (a *app) printSilenceCheck(c *warroom.SilenceCheck) {
	if len(c.Sources) == 0 {
		fmt.Fprintln(a.stdout, "no Alertmanager is configured (--alertmanager-url): check the silences by hand")
		return
	}
	fmt.Fprintf(a.stdout, "%d alert(s) compared with the silences of %s\n", c.Alerts, strings.Join(c.Sources, ", "))
	problems := c.Problems()
	if len(problems) == 0 {
		fmt.Fprintln(a.stdout, "no active silence matches the incident's alerts")
	}
	for _, p := range problems {
		fmt.Fprintln(a.stdout, "  - "+p)
	}
}

func (a *app) baselineCompleteCommand() *cobra.Command {
	var list warroom.BaselineChecklist
	var override string
	cmd := a.actionCommand(action{name: "complete", short: "Complete the return to baseline (to resolved): checklist and silence check, or an override reason",
		args: []string{"INCIDENT"},
		build: func([]string, string) (string, any, error) {
			return "/baseline", map[string]any{"checklist": list, "override_reason": override}, nil
		}})
	f := cmd.Flags()
	f.BoolVar(&list.ResilienceRestored, "resilience-restored", false, "resilience lost in the incident is restored")
	f.BoolVar(&list.ChangesPersisted, "changes-persisted", false, "manual changes are persisted as configuration (or reverted)")
	f.BoolVar(&list.MonitoringBaseline, "monitoring-baseline", false, "monitoring is back to baseline")
	f.StringVar(&list.Notes, "notes", "", "what was done")
	f.StringVar(&override, "override-reason", "", "complete despite remaining silences or an unreachable Alertmanager, and why (on the timeline)")
	return cmd
}

func (a *app) followUpCommand() *cobra.Command {
	var owner string
	cmd := a.actionCommand(action{name: "follow-up", short: "Draft a follow-up at the timeline session (title, proposed owner)",
		args: []string{"INCIDENT", "TITLE..."},
		build: func(args []string, _ string) (string, any, error) {
			return "/follow-ups", map[string]any{"title": strings.Join(args[1:], " "), "proposed_owner": owner}, nil
		}})
	cmd.Flags().StringVar(&owner, "owner", "", "proposed owner (handle)")
	return cmd
}
