package cli

import (
	"fmt"
	"net/http"

	"github.com/spf13/cobra"
)

// userChatLinkCommand is `warroom user chat-link`: link one's own chat
// account explicitly.
func (a *app) userChatLinkCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "chat-link CHAT_USER_ID",
		Short: "Link your chat account (Slack: your member ID, U...) to your warroom account; it wins over the one found by email",
		Args:  argsNamed("CHAT_USER_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := a.api().call(cmd.Context(), http.MethodPut, "/api/v1/me/chat-link", nil, map[string]string{"chat_user_id": args[0]})
			if err != nil {
				return err
			}
			return render(a, raw, func(v *struct {
				Provider   string `json:"provider"`
				ChatUserID string `json:"chat_user_id"`
			}) error {
				fmt.Fprintf(a.stdout, "linked %s user %s to you\n", v.Provider, v.ChatUserID)
				return nil
			})
		},
	}
}
