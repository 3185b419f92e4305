package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

func (a *app) addRoleCommands(root *cobra.Command) {
	assign := a.actionCommand(action{name: "assign", short: "Give a role to someone, or hand it over (alias: handover)",
		args: []string{"INCIDENT", "ROLE", "USER"}, reason: "why (required to hand over the Incident Owner)",
		build: func(args []string, reason string) (string, any, error) {
			r, err := parseRole(args[1])
			return "/roles", map[string]any{"role": r, "user": args[2], "reason": reason}, err
		}})
	assign.Aliases = []string{"handover"}
	assign.Long = roleHelp()
	release := a.actionCommand(action{name: "release", short: "Take a role from its holder without naming a successor",
		args: []string{"INCIDENT", "ROLE", "[USER]"}, reason: "why",
		build: func(args []string, reason string) (string, any, error) {
			r, err := parseRole(args[1])
			body := map[string]any{"role": r, "reason": reason}
			if len(args) > 2 {
				body["user"] = args[2]
			}
			return "/roles/release", body, err
		}})
	for _, c := range []*cobra.Command{assign, release} {
		c.GroupID = "incident"
		root.AddCommand(c)
	}
}

// roleHelp explains the role names and who may change which role.
func roleHelp() string {
	var b strings.Builder
	b.WriteString("Give a role to a user (ID or handle), handing it over from its holder.\n\nRoles (API name, short form):\n")
	short := map[warroom.Role]string{}
	for k, r := range roleAliases {
		short[r] = k
	}
	for _, r := range warroom.Roles {
		fmt.Fprintf(&b, "  %-22s %-9s %s\n", r, short[r], r.Title())
	}
	b.WriteString("\nThe Incident Commander holds every role nobody else was given. Only the IC changes the\n" +
		"Technical Lead; handing over the Incident Owner needs --reason; once there is an IC, only\n" +
		"the outgoing IC (or an admin) hands the IC role over.\n")
	return b.String()
}
