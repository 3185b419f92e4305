package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

func (a *app) addDirectoryCommands(root *cobra.Command) {
	group := func(name, short string, subs ...*cobra.Command) *cobra.Command {
		c := &cobra.Command{Use: name, Short: short, GroupID: "directory", Args: noArgs}
		c.AddCommand(subs...)
		return c
	}
	root.AddCommand(
		group("user", "Manage users", a.userCreateCommand(), a.userListCommand(), a.userShowCommand(), a.userUpdateCommand(),
			a.userSetPasswordCommand(), a.userSignInLinkCommand()),
		group("team", "Manage teams", a.teamCreateCommand(), a.teamListCommand()),
		group("service", "Manage services", a.serviceCreateCommand(), a.serviceListCommand(), a.serviceShowCommand()),
		group("token", "Manage API tokens", a.tokenCreateCommand(), a.tokenListCommand(), a.tokenRevokeCommand()),
		a.whoamiCommand(),
	)
}

// fetch GETs path and renders the answer as T with text.
func fetch[T any](a *app, cmd *cobra.Command, path string, query url.Values, text func(*T) error) error {
	raw, err := a.api().get(cmd.Context(), path, query)
	if err != nil {
		return err
	}
	return render(a, raw, text)
}

// send makes a change and renders the answer as T with text.
func send[T any](a *app, cmd *cobra.Command, method, path string, body any, text func(*T) error) error {
	raw, err := a.api().call(cmd.Context(), method, path, nil, body)
	if err != nil {
		return err
	}
	return render(a, raw, text)
}

// changedFlags returns the named string flags given on the command line,
// keyed by API field, so that an update sends only what changes.
func changedFlags(cmd *cobra.Command, fields map[string]string) map[string]any {
	body := map[string]any{}
	for flag, field := range fields {
		if cmd.Flags().Changed(flag) {
			v, _ := cmd.Flags().GetString(flag)
			body[field] = v
		}
	}
	return body
}

// userFlags are the flags of user create and update, by API field.
var userFlags = map[string]string{"handle": "handle", "name": "name", "email": "email",
	"time-zone": "time_zone", "team": "team", "role": "role"}

func addUserFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.String("handle", "", "handle, e.g. ada")
	fs.String("name", "", "full name")
	fs.String("email", "", "email address")
	fs.String("time-zone", "", "IANA time zone, e.g. Europe/Berlin (default UTC)")
	fs.String("team", "", "team slug or ID")
	fs.String("role", "", "account role: admin, responder (default) or viewer")
}

func (a *app) userCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --handle H --name N --email E",
		Short: "Create a user (admins only)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return send(a, cmd, http.MethodPost, "/api/v1/users", changedFlags(cmd, userFlags), a.printUser(cmd.Context()))
		},
	}
	addUserFlags(cmd)
	for _, f := range []string{"handle", "name", "email"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (a *app) userUpdateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update USER [--name N] [--email E] [--team T] [--role R] ...",
		Short: "Change a user's fields (admins only)",
		Args:  argsNamed("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := changedFlags(cmd, userFlags)
			if len(body) == 0 {
				return usageErrorf("nothing to change: give at least one of --handle, --name, --email, --time-zone, --team, --role")
			}
			return send(a, cmd, http.MethodPatch, "/api/v1/users/"+url.PathEscape(trimAt(args[0])), body, a.printUser(cmd.Context()))
		},
	}
	addUserFlags(cmd)
	return cmd
}

func (a *app) userShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show USER",
		Short: "Show a user (by handle or ID)",
		Args:  argsNamed("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, "/api/v1/users/"+url.PathEscape(trimAt(args[0])), nil, a.printUser(cmd.Context()))
		},
	}
}

func (a *app) userListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/users", nil, func(v *struct{ Users []*warroom.User }) error {
				teams := a.teamSlugs(cmd.Context())
				tw := table(a.stdout, "HANDLE", "NAME", "EMAIL", "ROLE", "TEAM", "TIME ZONE", "ID")
				for _, u := range v.Users {
					row(tw, "@"+u.Handle, u.Name, u.Email, string(u.Role), orDash(teams[u.TeamID]), u.TimeZone, u.ID)
				}
				return tw.Flush()
			})
		},
	}
}

// printUser returns a printer of one user.
func (a *app) printUser(ctx context.Context) func(u *warroom.User) error {
	return func(u *warroom.User) error {
		team := u.TeamID
		if slug, ok := a.teamSlugs(ctx)[team]; ok {
			team = slug
		}
		tw := table(a.stdout)
		row(tw, "handle", "@"+u.Handle)
		row(tw, "name", u.Name)
		row(tw, "email", u.Email)
		row(tw, "role", string(u.Role))
		row(tw, "team", orDash(team))
		row(tw, "time zone", u.TimeZone)
		row(tw, "id", u.ID)
		row(tw, "created", fmtTime(u.CreatedAt))
		return tw.Flush()
	}
}

// teamSlugs maps team IDs to slugs, for tables; empty if teams cannot be
// listed, since the table is still useful without them.
func (a *app) teamSlugs(ctx context.Context) map[string]string {
	out := map[string]string{}
	raw, err := a.api().get(ctx, "/api/v1/teams", nil)
	if err != nil {
		return out
	}
	var v struct{ Teams []*warroom.Team }
	if json.Unmarshal(raw, &v) == nil {
		for _, t := range v.Teams {
			out[t.ID] = t.Slug
		}
	}
	return out
}

func trimAt(s string) string { return strings.TrimPrefix(s, "@") }

func (a *app) teamCreateCommand() *cobra.Command {
	var slug, name string
	cmd := &cobra.Command{
		Use:   "create --slug S --name N",
		Short: "Create a team (admins only)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return send(a, cmd, http.MethodPost, "/api/v1/teams", map[string]any{"slug": slug, "name": name},
				func(t *warroom.Team) error {
					_, err := fmt.Fprintf(a.stdout, "team %s (%s) created, id %s\n", t.Slug, t.Name, t.ID)
					return err
				})
		},
	}
	cmd.Flags().StringVar(&slug, "slug", "", "short lowercase name, e.g. sre")
	cmd.Flags().StringVar(&name, "name", "", "display name")
	_ = cmd.MarkFlagRequired("slug")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) teamListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List teams",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/teams", nil, func(v *struct{ Teams []*warroom.Team }) error {
				tw := table(a.stdout, "SLUG", "NAME", "ID")
				for _, t := range v.Teams {
					row(tw, t.Slug, t.Name, t.ID)
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) serviceCreateCommand() *cobra.Command {
	var slug, name, description, team, rpo, rto string
	var dashboards, runbooks []string
	cmd := &cobra.Command{
		Use:   "create --slug S --name N",
		Short: "Create a service (admins only)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body := map[string]any{"slug": slug, "name": name, "description": description,
				"dashboards": parseLinks(dashboards), "runbooks": parseLinks(runbooks)}
			for field, v := range map[string]string{"team": team, "rpo": rpo, "rto": rto} {
				if v != "" {
					body[field] = v
				}
			}
			return send(a, cmd, http.MethodPost, "/api/v1/services", body, a.printService(cmd.Context()))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&slug, "slug", "", "short lowercase name, e.g. checkout-api")
	fs.StringVar(&name, "name", "", "display name")
	fs.StringVar(&description, "description", "", "what the service does")
	fs.StringVar(&team, "team", "", "owning team (slug or ID)")
	fs.StringArrayVar(&dashboards, "dashboard", nil, "dashboard link: URL or TITLE=URL (repeatable)")
	fs.StringArrayVar(&runbooks, "runbook", nil, "runbook link: URL or TITLE=URL (repeatable)")
	fs.StringVar(&rpo, "rpo", "", "recovery point objective, e.g. 15m")
	fs.StringVar(&rto, "rto", "", "recovery time objective, e.g. 1h")
	_ = cmd.MarkFlagRequired("slug")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

// parseLinks reads "URL" or "TITLE=URL" values.
func parseLinks(values []string) []warroom.Link {
	links := make([]warroom.Link, 0, len(values))
	for _, v := range values {
		title, u, ok := strings.Cut(v, "=")
		if !ok || strings.Contains(title, "://") {
			title, u = "", v
		}
		links = append(links, warroom.Link{Title: title, URL: u})
	}
	return links
}

func (a *app) serviceListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List services",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/services", nil, func(v *struct{ Services []*warroom.Service }) error {
				teams := a.teamSlugs(cmd.Context())
				tw := table(a.stdout, "SLUG", "NAME", "TEAM", "RPO", "RTO", "ID")
				for _, s := range v.Services {
					row(tw, s.Slug, s.Name, orDash(teams[s.TeamID]), fmtDuration(s.RPO), fmtDuration(s.RTO), s.ID)
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) serviceShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show SERVICE",
		Short: "Show a service (by slug or ID)",
		Args:  argsNamed("SERVICE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, "/api/v1/services/"+url.PathEscape(args[0]), nil, a.printService(cmd.Context()))
		},
	}
}

// printService returns a printer of one service.
func (a *app) printService(ctx context.Context) func(s *warroom.Service) error {
	return func(s *warroom.Service) error {
		team := s.TeamID
		if slug, ok := a.teamSlugs(ctx)[team]; ok {
			team = slug
		}
		tw := table(a.stdout)
		row(tw, "slug", s.Slug)
		row(tw, "name", s.Name)
		row(tw, "description", orDash(s.Description))
		row(tw, "team", orDash(team))
		row(tw, "RPO", fmtDuration(s.RPO))
		row(tw, "RTO", fmtDuration(s.RTO))
		for _, l := range s.Dashboards {
			row(tw, "dashboard", strings.TrimSpace(l.Title+" "+l.URL))
		}
		for _, l := range s.Runbooks {
			row(tw, "runbook", strings.TrimSpace(l.Title+" "+l.URL))
		}
		row(tw, "id", s.ID)
		return tw.Flush()
	}
}

func fmtDuration(d warroom.Duration) string {
	if d == 0 {
		return "-"
	}
	return warroom.ShortDuration(time.Duration(d))
}

func (a *app) tokenCreateCommand() *cobra.Command {
	var user, name string
	cmd := &cobra.Command{
		Use:   "create [--user HANDLE] [--name NAME]",
		Short: "Create an API token (for yourself; admins for anyone); the secret is shown once",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body := map[string]any{"name": name}
			if user != "" {
				body["user"] = trimAt(user)
			}
			return send(a, cmd, http.MethodPost, "/api/v1/tokens", body, func(v *struct {
				Token  warroom.Token
				Secret string
			}) error {
				_, err := fmt.Fprintf(a.stdout, "token %q (id %s) created; its secret, shown only this once:\n\n  %s\n\nUse it: export WARROOM_TOKEN=%s\n",
					v.Token.Name, v.Token.ID, v.Secret, v.Secret)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "whose token (admins only; default yourself)")
	cmd.Flags().StringVar(&name, "name", "cli", "what the token is for, e.g. laptop")
	return cmd
}

func (a *app) tokenListCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "list [--user HANDLE]",
		Short: "List API tokens (yours; admins: --user, or all)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if user != "" {
				q.Set("user", trimAt(user))
			}
			return fetch(a, cmd, "/api/v1/tokens", q, func(v *struct{ Tokens []*warroom.Token }) error {
				name := a.namer(cmd.Context(), nil)
				tw := table(a.stdout, "ID", "NAME", "USER", "CREATED", "LAST USED", "REVOKED")
				for _, t := range v.Tokens {
					row(tw, t.ID, t.Name, name(t.UserID), fmtTime(t.CreatedAt), fmtTimePtr(t.LastUsedAt), fmtTimePtr(t.RevokedAt))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "whose tokens (admins only)")
	return cmd
}

func (a *app) tokenRevokeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token; it stops working at once",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, http.MethodDelete, "/api/v1/tokens/"+url.PathEscape(args[0]), nil, func(t *warroom.Token) error {
				_, err := fmt.Fprintf(a.stdout, "token %q (id %s) revoked at %s\n", t.Name, t.ID, fmtTimePtr(t.RevokedAt))
				return err
			})
		},
	}
}

func (a *app) whoamiCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show who the API token belongs to",
		GroupID: "directory",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/me", nil, func(u *warroom.User) error {
				_, err := fmt.Fprintf(a.stdout, "@%s (%s, %s) on %s\n", u.Handle, u.Name, u.Role, a.client.Server)
				return err
			})
		},
	}
}
