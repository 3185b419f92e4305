package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// command posts a command to one of an incident's routes and prints the
// result.
func (a *app) command(ctx context.Context, ref, route string, body any) error {
	raw, err := a.api().post(ctx, incidentPath(ref)+route, body)
	if err != nil {
		return err
	}
	return render(a, raw, func(r *warroom.CommandResult) error { return a.printResult(ctx, r) })
}

// action is a command that posts one body to one of an incident's
// routes.
type action struct {
	name, short string
	args        []string // positional argument names, the incident first
	reason      string   // usage of the --reason flag; empty: no such flag
	needReason  bool     // the record is useless without the why
	// build turns the arguments and --reason (plus any flags it captured)
	// into the route after the incident's path and the request body.
	build func(args []string, reason string) (route string, body any, err error)
}

// actionCommand builds the command of an action.
func (a *app) actionCommand(act action) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   act.name + " " + strings.Join(act.args, " "),
		Short: act.short,
		Args:  argsNamed(act.args...),
		RunE: func(cmd *cobra.Command, args []string) error {
			route, body, err := act.build(args, reason)
			if err != nil {
				return err
			}
			return a.command(cmd.Context(), args[0], route, body)
		},
	}
	if act.reason != "" {
		cmd.Flags().StringVar(&reason, "reason", "", act.reason)
	}
	if act.needReason {
		_ = cmd.MarkFlagRequired("reason")
	}
	return cmd
}

// stageTo builds a stage change to a fixed stage.
func stageTo(stage warroom.Stage) func([]string, string) (string, any, error) {
	return func(_ []string, reason string) (string, any, error) {
		return "/stage", map[string]any{"stage": stage, "reason": reason}, nil
	}
}

func (a *app) addLifecycleCommands(root *cobra.Command) {
	stage := a.actionCommand(action{name: "stage", short: "Move an incident to another lifecycle stage",
		args: []string{"INCIDENT", "STAGE"}, reason: "why",
		build: func(args []string, reason string) (string, any, error) {
			return "/stage", map[string]any{"stage": strings.ToLower(args[1]), "reason": reason}, nil
		}})
	stage.Long = "Move an incident to another stage. The lifecycle:\n\n" + stageHelp()
	cmds := []*cobra.Command{
		stage,
		a.actionCommand(action{name: "resolve", short: "Resolve an incident (stage resolved)",
			args: []string{"INCIDENT"}, reason: "why", build: stageTo(warroom.StageResolved)}),
		a.actionCommand(action{name: "close", short: "Close a resolved incident (stage closed)",
			args: []string{"INCIDENT"}, reason: "why", build: stageTo(warroom.StageClosed)}),
		a.actionCommand(action{name: "reopen", short: "Reopen a resolved incident (back to investigating)",
			args: []string{"INCIDENT"}, reason: "why it is reopened (required)", needReason: true,
			build: func(_ []string, reason string) (string, any, error) {
				return "/reopen", map[string]any{"reason": reason}, nil
			}}),
	}
	for _, c := range append(cmds, a.incidentChangeCommands()...) {
		c.GroupID = "incident"
		root.AddCommand(c)
	}
}

// incidentChangeCommands change an incident's attributes.
func (a *app) incidentChangeCommands() []*cobra.Command {
	var off bool
	private := a.actionCommand(action{name: "private", short: "Make an incident private (only participants and admins see it), or public with --off",
		args: []string{"INCIDENT"}, reason: "why",
		build: func(_ []string, reason string) (string, any, error) {
			return "/privacy", map[string]any{"private": !off, "reason": reason}, nil
		}})
	private.Flags().BoolVar(&off, "off", false, "make it public again")
	return []*cobra.Command{
		a.actionCommand(action{name: "severity", short: "Change an incident's severity",
			args: []string{"INCIDENT", "SEVERITY"}, reason: "why",
			build: func(args []string, reason string) (string, any, error) {
				s, err := severityArg(args[1])
				return "/severity", map[string]any{"severity": s, "reason": reason}, err
			}}),
		a.actionCommand(action{name: "impact-start", short: "Correct when the impact started (RFC 3339 time or a duration ago)",
			args: []string{"INCIDENT", "TIME"}, reason: "why the start time changes (required)", needReason: true,
			build: func(args []string, reason string) (string, any, error) {
				t, err := parseWhen(args[1], a.now())
				return "/impact-start", map[string]any{"at": t, "reason": reason}, err
			}}),
		a.actionCommand(action{name: "ack", short: "Acknowledge an incident: you are on it", args: []string{"INCIDENT"},
			build: func([]string, string) (string, any, error) { return "/acknowledge", map[string]any{}, nil }}),
		a.actionCommand(action{name: "major", short: "Mark an incident major by hand",
			args: []string{"INCIDENT"}, reason: "why it is major (required)", needReason: true,
			build: func(_ []string, reason string) (string, any, error) {
				return "/major", map[string]any{"reason": reason}, nil
			}}),
		private,
		a.editCommand(),
		a.actionCommand(action{name: "invite", short: "Bring a person into an incident (lets them see a private one)",
			args: []string{"INCIDENT", "USER"},
			build: func(args []string, _ string) (string, any, error) {
				return "/participants", map[string]any{"user": args[1]}, nil
			}}),
	}
}

// stageHelp lists the stages and where each may go next.
func stageHelp() string {
	var b strings.Builder
	for _, s := range warroom.Stages {
		fmt.Fprintf(&b, "  %-14s → %s\n", s, orDash(joinStages(warroom.NextStages(s))))
	}
	b.WriteString("\nA resolved incident can also be reopened (`warroom reopen`).\n")
	return b.String()
}

func (a *app) editCommand() *cobra.Command {
	var title, summary string
	cmd := &cobra.Command{
		Use:   "edit INCIDENT [--title TEXT] [--summary TEXT]",
		Short: "Change an incident's title or summary",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			inc, err := a.fetchIncident(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			body := map[string]any{"title": inc.Title, "summary": inc.Summary}
			if cmd.Flags().Changed("title") {
				body["title"] = title
			}
			if cmd.Flags().Changed("summary") {
				body["summary"] = summary
			}
			raw, err := a.api().call(cmd.Context(), http.MethodPatch, incidentPath(args[0]), nil, body)
			if err != nil {
				return err
			}
			return render(a, raw, func(r *warroom.CommandResult) error { return a.printResult(cmd.Context(), r) })
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "new title")
	cmd.Flags().StringVar(&summary, "summary", "", "new summary")
	return cmd
}
