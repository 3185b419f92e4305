package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// personPath is the API path of a user's paging settings: the --user
// flag's user, else the caller.
func (a *app) personPath(ctx context.Context, user, what string) (string, error) {
	if user == "" {
		u, err := a.me(ctx)
		if err != nil {
			return "", err
		}
		user = u.ID
	}
	return "/api/v1/users/" + url.PathEscape(trimAt(user)) + "/" + what, nil
}

func addUserFlag(cmd *cobra.Command, user *string) {
	cmd.Flags().StringVar(user, "user", "", "whose (admins only; default yourself)")
}

func (a *app) contactAddCommand() *cobra.Command {
	var user, channel, address string
	cmd := &cobra.Command{
		Use:   "add --channel email|slack|webhook --address A [--user U]",
		Short: "Add a way to reach you when paged",
		Long: "Add a contact method: --channel email with an address, slack with a Slack user or channel ID\n" +
			"(U0123ABCD), or webhook with an http(s) URL that receives signed JSON. Then say when it is used\n" +
			"with `warroom notify-rules set`.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := a.personPath(cmd.Context(), user, "contact-methods")
			if err != nil {
				return err
			}
			return send(a, cmd, http.MethodPost, path, map[string]any{"channel": channel, "address": address}, func(m *warroom.ContactMethod) error {
				// The hint must work as printed: for someone else's
				// contact method it names them, or it would set the
				// caller's own rules and be refused.
				forUser := ""
				if user != "" {
					forUser = " --user " + shellQuote(user)
				}
				_, err := fmt.Fprintf(a.stdout, "contact method %s added: %s %s\n"+
					"While there are no notification rules, every contact method is notified at once when paged; to say when each is: warroom notify-rules set%s --rule %s@0s\n", m.ID, m.Channel, m.Address, forUser, m.ID)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "", "email, slack or webhook")
	cmd.Flags().StringVar(&address, "address", "", "email address, Slack ID or webhook URL")
	addUserFlag(cmd, &user)
	_ = cmd.MarkFlagRequired("channel")
	_ = cmd.MarkFlagRequired("address")
	return cmd
}

func (a *app) contactListCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "list [--user U]",
		Short: "List your contact methods",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := a.personPath(cmd.Context(), user, "contact-methods")
			if err != nil {
				return err
			}
			return fetch(a, cmd, path, nil, func(v *struct {
				ContactMethods []*warroom.ContactMethod `json:"contact_methods"`
			}) error {
				tw := table(a.stdout, "ID", "CHANNEL", "ADDRESS")
				for _, m := range v.ContactMethods {
					row(tw, m.ID, string(m.Channel), m.Address)
				}
				return tw.Flush()
			})
		},
	}
	addUserFlag(cmd, &user)
	return cmd
}

func (a *app) contactRemoveCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "remove ID [--user U]",
		Short: "Remove a contact method (and the notification rules using it)",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.personPath(cmd.Context(), user, "contact-methods")
			if err != nil {
				return err
			}
			return send(a, cmd, http.MethodDelete, path+"/"+url.PathEscape(args[0]), nil, func(m *warroom.ContactMethod) error {
				_, err := fmt.Fprintf(a.stdout, "contact method %s (%s %s) removed\n", m.ID, m.Channel, m.Address)
				return err
			})
		},
	}
	addUserFlag(cmd, &user)
	return cmd
}

// parseNotifyRule reads CONTACT_ID[@DELAY] (default at once).
func parseNotifyRule(s string) (warroom.NotificationRule, error) {
	id, delay, _ := strings.Cut(strings.TrimSpace(s), "@")
	r := warroom.NotificationRule{ContactMethodID: id}
	if id == "" {
		return r, usageErrorf("rule %q: write CONTACT_ID[@DELAY], e.g. --rule 0190abcd@2m", s)
	}
	if delay != "" {
		d, err := time.ParseDuration(delay)
		if err != nil {
			return r, usageErrorf("rule %q: %q is not a duration like 0s, 2m or 10m", s, delay)
		}
		r.Delay = warroom.Duration(d)
	}
	return r, nil
}

func (a *app) rulesSetCommand() *cobra.Command {
	var user string
	var rules []string
	var none bool
	cmd := &cobra.Command{
		Use:   "set --rule CONTACT_ID[@DELAY]... [--user U]",
		Short: "Replace your notification rules: which contact method is notified how long after a page",
		Long: "Replace your notification rules. Each --rule names a contact method (see `warroom contact list`)\n" +
			"and how long after the page it is notified, e.g. --rule SLACK_ID@0s --rule EMAIL_ID@2m.\n" +
			"--none removes every rule: every contact method is then notified at once when paged.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(rules) == 0 && !none {
				return usageErrorf("give at least one --rule, or --none to remove every rule")
			}
			list := []warroom.NotificationRule{}
			for _, s := range rules {
				r, err := parseNotifyRule(s)
				if err != nil {
					return err
				}
				list = append(list, r)
			}
			path, err := a.personPath(cmd.Context(), user, "notification-rules")
			if err != nil {
				return err
			}
			return send(a, cmd, http.MethodPut, path, map[string]any{"rules": list}, a.printRules)
		},
	}
	cmd.Flags().StringArrayVar(&rules, "rule", nil, "CONTACT_ID[@DELAY] (repeatable)")
	cmd.Flags().BoolVar(&none, "none", false, "remove every rule")
	addUserFlag(cmd, &user)
	return cmd
}

func (a *app) rulesListCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "list [--user U]",
		Short: "List your notification rules",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := a.personPath(cmd.Context(), user, "notification-rules")
			if err != nil {
				return err
			}
			return fetch(a, cmd, path, nil, a.printRules)
		},
	}
	addUserFlag(cmd, &user)
	return cmd
}

func (a *app) printRules(v *struct{ Rules []warroom.NotificationRule }) error {
	if len(v.Rules) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no notification rules: pages reach nobody")
		return err
	}
	tw := table(a.stdout, "CONTACT METHOD", "AFTER")
	for _, r := range v.Rules {
		after := "at once"
		if r.Delay > 0 {
			after = fmtDuration(r.Delay)
		}
		row(tw, r.ContactMethodID, after)
	}
	return tw.Flush()
}
