package cli

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom/tracker"
)

// addTrackerCommands adds `warroom tracker` (docs/trackers.md): which
// issue tracker (GitHub Issues, Jira) a service's or team's incident and
// action-item tickets go to, and an incident's tickets.
func (a *app) addTrackerCommands(root *cobra.Command) {
	c := &cobra.Command{Use: "tracker", Short: "Send incident and action-item tickets to GitHub Issues or Jira, per service or team",
		GroupID: "directory", Args: noArgs}
	c.AddCommand(a.trackerAddCommand(), a.trackerListCommand(), a.trackerRemoveCommand(), a.trackerTicketsCommand())
	root.AddCommand(c)
}

func (a *app) trackerAddCommand() *cobra.Command {
	var in struct{ service, team, kind, baseURL, project, credentials, webhookSecret, issueType string }
	cmd := &cobra.Command{
		Use:   "add (--service S | --team T) --kind github|jira --project P --credentials SECRET [--url URL] [--webhook-secret SECRET]",
		Short: "Send a service's or team's tickets to a tracker (admin)",
		Long: "Send the tickets of a service's incidents (or of every service of a team that has no tracker of its own) to a\n" +
			"tracker. --project is GitHub's owner/repo or Jira's project key. --credentials and --webhook-secret name files in\n" +
			"the server's tracker secrets directory (--tracker-secrets-dir): a GitHub token, Jira's EMAIL:API_TOKEN, the\n" +
			"webhook secret. The secrets never enter the database. The webhook to register in the tracker is printed.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return send(a, cmd, "POST", "/api/v1/trackers", map[string]any{"service": in.service, "team": in.team, "kind": in.kind,
				"base_url": in.baseURL, "project": in.project, "credentials": in.credentials, "webhook_secret": in.webhookSecret,
				"issue_type": in.issueType}, func(c *tracker.Config) error {
				fmt.Fprintf(a.stdout, "%s %s tickets go to %s %s (%s)\n", c.Scope, c.ScopeID, c.Kind, c.Project, c.ID)
				if c.WebhookSecret != "" {
					fmt.Fprintf(a.stdout, "register the webhook %s/api/v1/trackers/%s/webhook with the secret in %s\n", strings.TrimRight(a.client.Server, "/"), c.ID, c.WebhookSecret)
				} else {
					fmt.Fprintln(a.stdout, "no webhook secret: ticket states are polled only")
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.service, "service", "", "the service (ID or slug)")
	f.StringVar(&in.team, "team", "", "the team (ID or slug), for its services without a tracker of their own")
	f.StringVar(&in.kind, "kind", "", "github or jira")
	f.StringVar(&in.baseURL, "url", "", "GitHub's API (default https://api.github.com) or the Jira site, https://example.atlassian.net")
	f.StringVar(&in.project, "project", "", "GitHub owner/repo or Jira project key")
	f.StringVar(&in.credentials, "credentials", "", "name of the secret file with the token (GitHub) or EMAIL:API_TOKEN (Jira)")
	f.StringVar(&in.webhookSecret, "webhook-secret", "", "name of the secret file with the webhook secret")
	f.StringVar(&in.issueType, "issue-type", "", "Jira: the incident ticket's issue type (default Task)")
	for _, name := range []string{"kind", "project", "credentials"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (a *app) trackerListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the trackers of services and teams (admin)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/trackers", nil, func(l *struct {
				Trackers []*tracker.Config `json:"trackers"`
			}) error {
				w := table(a.stdout, "FOR", "KIND", "PROJECT", "URL", "WEBHOOK SECRET", "ID")
				for _, c := range l.Trackers {
					fmt.Fprintf(w, "%s %s\t%s\t%s\t%s\t%s\t%s\n", c.Scope, c.ScopeID, c.Kind, c.Project, c.BaseURL, orDash(c.WebhookSecret), c.ID)
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) trackerRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a tracker (admin); tickets made stay",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.statusDelete(cmd, "/api/v1/trackers/"+url.PathEscape(args[0]), "tracker "+args[0]+" removed")
		},
	}
}

func (a *app) trackerTicketsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "tickets INCIDENT",
		Short: "An incident's ticket and its action items' tickets, with their state and last error",
		Args:  argsNamed("INCIDENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, incidentPath(args[0])+"/tickets", nil, func(l *struct {
				Tickets []*tracker.Ticket `json:"tickets"`
			}) error {
				if len(l.Tickets) == 0 {
					fmt.Fprintln(a.stdout, "no tickets: no tracker is configured for the incident's services (or not yet made)")
					return nil
				}
				w := table(a.stdout, "FOR", "KEY", "STATE", "STATUS", "URL", "LAST ERROR")
				for _, t := range l.Tickets {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.SubjectKind, orDash(t.Key), orDash(string(t.State)), orDash(t.Status), orDash(t.URL), orDash(t.LastError))
				}
				return w.Flush()
			})
		},
	}
}
