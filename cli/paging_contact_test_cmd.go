package cli

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

// testMessage is what the API answers a test notification with.
type testMessage struct {
	ID          string `json:"id"`
	Channel     string `json:"channel"`
	Destination string `json:"destination"`
	State       string `json:"state"`
}

func (a *app) contactTestCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "test ID [--user U]",
		Short: "Send a test notification by a contact method, to see that pages reach it",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.personPath(cmd.Context(), user, "contact-methods")
			if err != nil {
				return err
			}
			return send(a, cmd, http.MethodPost, path+"/"+url.PathEscape(args[0])+"/test", nil, func(m *testMessage) error {
				_, err := fmt.Fprintf(a.stdout, "test notification %s queued by %s to %s (%s)\n", m.ID, m.Channel, m.Destination, m.State)
				return err
			})
		},
	}
	addUserFlag(cmd, &user)
	return cmd
}
