package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

func (a *app) addEntryCommands(root *cobra.Command) {
	entry := func(typ warroom.EventType, short string) *cobra.Command {
		return a.actionCommand(action{name: string(typ), short: short, args: []string{"INCIDENT", "TEXT..."},
			build: func(args []string, _ string) (string, any, error) {
				return "/entries", map[string]any{"type": typ, "text": textArgs(args[1:])}, nil
			}})
	}
	cmds := []*cobra.Command{
		entry(warroom.EntryNote, "Add a note to the timeline"),
		entry(warroom.EntryAction, "Record an action taken (\"flushing the cache of X\")"),
		entry(warroom.EntryHypothesis, "Record a hypothesis about the cause"),
		a.decisionCommand(), a.linkCommand(), a.hypothesisUpdateCommand(), a.starCommand(),
		a.actionCommand(action{name: "correct", short: "Correct a timeline entry (nothing is edited in place)",
			args: []string{"INCIDENT", "SEQ", "TEXT..."},
			build: func(args []string, _ string) (string, any, error) {
				seq, err := parseSeq(args[1])
				return fmt.Sprintf("/entries/%d/corrections", seq), map[string]any{"text": textArgs(args[2:])}, err
			}}),
	}
	for _, c := range cmds {
		c.GroupID = "timeline"
		root.AddCommand(c)
	}
}

func (a *app) decisionCommand() *cobra.Command {
	var tradeOff string
	cmd := a.actionCommand(action{name: "decision", short: "Record a decision with its reasoning and trade-off",
		args: []string{"INCIDENT", "TEXT..."}, reason: "what information the decision is based on (required)", needReason: true,
		build: func(args []string, reason string) (string, any, error) {
			return "/entries", map[string]any{"type": warroom.EntryDecision, "text": textArgs(args[1:]),
				"reason": reason, "trade_off": tradeOff}, nil
		}})
	cmd.Flags().StringVar(&tradeOff, "trade-off", "", "the trade-off the decision accepts")
	return cmd
}

func (a *app) linkCommand() *cobra.Command {
	var title, text string
	cmd := a.actionCommand(action{name: "link", short: "Add a link (dashboard, log query, commit) to the timeline",
		args: []string{"INCIDENT", "URL"},
		build: func(args []string, _ string) (string, any, error) {
			return "/entries", map[string]any{"type": warroom.EntryLink, "url": args[1], "title": title, "text": text}, nil
		}})
	cmd.Flags().StringVar(&title, "title", "", "what the link shows")
	cmd.Flags().StringVar(&text, "text", "", "a note about it")
	return cmd
}

func (a *app) hypothesisUpdateCommand() *cobra.Command {
	var evidence string
	cmd := a.actionCommand(action{name: "hypothesis-update", short: "Eliminate or confirm a hypothesis, with the evidence",
		args: []string{"INCIDENT", "SEQ", "eliminated|confirmed"},
		build: func(args []string, _ string) (string, any, error) {
			seq, err := parseSeq(args[1])
			return fmt.Sprintf("/hypotheses/%d", seq), map[string]any{"status": strings.ToLower(args[2]), "evidence": evidence}, err
		}})
	cmd.Flags().StringVar(&evidence, "evidence", "", "what eliminated or confirmed it (required)")
	_ = cmd.MarkFlagRequired("evidence")
	return cmd
}

func (a *app) starCommand() *cobra.Command {
	var unstar bool
	cmd := a.actionCommand(action{name: "star", short: "Star a timeline entry for the postmortem (--unstar to undo)",
		args: []string{"INCIDENT", "SEQ"},
		build: func(args []string, _ string) (string, any, error) {
			seq, err := parseSeq(args[1])
			return fmt.Sprintf("/entries/%d/star", seq), map[string]any{"starred": !unstar}, err
		}})
	cmd.Flags().BoolVar(&unstar, "unstar", false, "remove the star")
	return cmd
}
