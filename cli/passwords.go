package cli

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// userSetPasswordCommand resets a user's web password (admins only). The
// password is read from standard input, never from a flag, so it stays
// out of shell history and process lists.
func (a *app) userSetPasswordCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "set-password USER < password.txt",
		Short: "Set a user's web sign-in password, read from standard input (admins only); ends their web sessions",
		Args:  argsNamed("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return usageErrorf("give the new password on standard input, e.g. warroom user set-password %s < file", args[0])
			}
			pw := strings.TrimRight(line, "\r\n")
			body := map[string]string{"password": pw}
			return send(a, cmd, http.MethodPost, "/api/v1/users/"+url.PathEscape(trimAt(args[0]))+"/password", body,
				func(v *struct {
					User          *warroom.User `json:"user"`
					SessionsEnded int           `json:"sessions_ended"`
				}) error {
					fmt.Fprintf(a.stdout, "Password of @%s set; %d web sessions ended.\n", v.User.Handle, v.SessionsEnded)
					return nil
				})
		},
	}
}

// userSignInLinkCommand prints a one-time web sign-in link for a user
// (admins only).
func (a *app) userSignInLinkCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "signin-link USER",
		Short: "Print a one-time web sign-in link for a user, valid 24 hours (admins only)",
		Args:  argsNamed("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, http.MethodPost, "/api/v1/users/"+url.PathEscape(trimAt(args[0]))+"/signin-link", nil,
				func(v *struct {
					User      *warroom.User `json:"user"`
					URL       string        `json:"url"`
					ExpiresAt string        `json:"expires_at"`
				}) error {
					fmt.Fprintf(a.stdout, "One-time sign-in link for @%s (valid until %s, works once):\n\n  %s\n", v.User.Handle, v.ExpiresAt, v.URL)
					return nil
				})
		},
	}
}
