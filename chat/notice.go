package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/warroom/warroom"
)

// ErrNoChannelYet is returned by Notices.Post while the incident's
// channel has not been created: the caller's job retries later.
var ErrNoChannelYet = errors.New("chat: the incident's channel is not created yet")

// Notices posts messages that are not timeline events into incident
// channels: the communications service's reminders (an update is due or
// late, the assessment questions, a nudge). Each call posts once; the
// caller's job, keyed per notice, makes it once per notice.
type Notices struct {
	Store  Store
	Client Client
}

// Post posts text into the incident's channel. ErrNoChannelYet while the
// channel does not exist; nothing (nil) once it is archived (the incident
// is closed); the chat system's errors otherwise (RateLimitedError with
// its wait).
func (n *Notices) Post(ctx context.Context, incidentID, text string) error {
	st, err := n.Store.ChatState(ctx, incidentID)
	switch {
	case warroom.ErrorCode(err) == warroom.ENotFound:
		return ErrNoChannelYet
	case err != nil:
		return err
	case st.Archived:
		return nil
	case st.ChannelID == "":
		return ErrNoChannelYet
	}
	if _, err := n.Client.Post(ctx, st.ChannelID, Message{Text: text}); err != nil {
		return fmt.Errorf("chat: post a notice for incident %s: %w", incidentID, err)
	}
	return nil
}
