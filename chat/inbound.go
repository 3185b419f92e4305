package chat

import "net/http"

// Inbound is the chat system's side of ChatOps requests: it verifies and
// parses what the system sends, and renders the immediate answer.
// Implementations: chat/slack.
type Inbound interface {
	// Command verifies and parses a slash command. Errors: ErrUnverified,
	// or a malformed request.
	Command(h http.Header, body []byte) (Request, error)
	// Interaction verifies and parses a button press or a message
	// shortcut. Errors as for Command.
	Interaction(h http.Header, body []byte) (Interaction, error)
	// Render is the HTTP answer to a request: content type and body.
	Render(r Reply) (contentType string, body []byte)
}
