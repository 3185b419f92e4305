// Package slack is warroom's chat system on Slack (chat.Client and the
// requests Slack sends: slash commands and interactivity), built on
// github.com/slack-go/slack. It needs a bot token with the scopes
// channels:manage, groups:write, chat:write, users:read and
// users:read.email, and, for ChatOps, the app's signing secret.
//
// notify/slack stays what pages and paging's announcements use: it is a
// notifier of the outbox (one message, classified for the sender's
// retries), while this package manages channels for the incident.
package slack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/warroom/warroom/chat"
)

// Provider is the name of Slack in stored channels and user links.
const Provider = "slack"

// DefaultAPIURL is the Slack Web API root (slack-go's form: with the
// trailing slash).
const DefaultAPIURL = "https://slack.com/api/"

// Client implements chat.Client on the Slack Web API.
type Client struct {
	api *slack.Client
}

var _ chat.Client = (*Client)(nil)

// New returns a client with the bot token. apiURL "" means DefaultAPIURL;
// tests point it at a local server. hc nil means a client with a 30s
// timeout.
func New(token, apiURL string, hc *http.Client) *Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{api: slack.New(token, slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(hc))}
}

// NewClient is New with the default HTTP client; apiURL may lack the
// trailing slash (notify/slack's form, --slack-api-url).
func NewClient(token, apiURL string) *Client { return New(token, apiURL, nil) }

// Provider implements chat.Client.
func (c *Client) Provider() string { return Provider }

// ChannelLink implements chat.Client.
func (c *Client) ChannelLink(channelID string) string { return "<#" + channelID + ">" }

// CreateChannel implements chat.Client (conversations.create).
func (c *Client) CreateChannel(ctx context.Context, name string, private bool) (chat.Channel, error) {
	ch, err := c.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: private})
	if err != nil {
		return chat.Channel{}, classify(err)
	}
	return chat.Channel{ID: ch.ID, Name: ch.Name}, nil
}

// SetTopic implements chat.Client (conversations.setTopic).
func (c *Client) SetTopic(ctx context.Context, channelID, topic string) error {
	_, err := c.api.SetTopicOfConversationContext(ctx, channelID, topic)
	return classify(err)
}

// SetPurpose implements chat.Client (conversations.setPurpose).
func (c *Client) SetPurpose(ctx context.Context, channelID, purpose string) error {
	_, err := c.api.SetPurposeOfConversationContext(ctx, channelID, purpose)
	return classify(err)
}

// Invite implements chat.Client (conversations.invite).
func (c *Client) Invite(ctx context.Context, channelID string, userIDs ...string) error {
	_, err := c.api.InviteUsersToConversationContext(ctx, channelID, userIDs...)
	if code(err) == "already_in_channel" {
		return nil
	}
	return classify(err)
}

// Post implements chat.Client (chat.postMessage); the ID is the "ts".
func (c *Client) Post(ctx context.Context, channelID string, m chat.Message) (string, error) {
	_, ts, err := c.api.PostMessageContext(ctx, channelID, slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(Blocks(m)...), slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
	return ts, classify(err)
}

// Archive implements chat.Client (conversations.archive).
func (c *Client) Archive(ctx context.Context, channelID string) error {
	err := c.api.ArchiveConversationContext(ctx, channelID)
	if code(err) == "already_archived" {
		return nil
	}
	return classify(err)
}

// UserByEmail implements chat.Client (users.lookupByEmail).
func (c *Client) UserByEmail(ctx context.Context, email string) (string, error) {
	u, err := c.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		return "", classify(err)
	}
	return u.ID, nil
}

// UserEmail implements chat.Client (users.info).
func (c *Client) UserEmail(ctx context.Context, userID string) (string, error) {
	u, err := c.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", classify(err)
	}
	if u.Profile.Email == "" {
		return "", chat.ErrUserNotFound
	}
	return u.Profile.Email, nil
}

// permanent are Slack's error codes for requests no retry can fix. Auth
// and scope errors are not among them: once an admin fixes the token, the
// retried work goes through.
var permanent = map[string]bool{
	"msg_too_long": true, "invalid_blocks": true, "no_text": true, "too_many_attachments": true,
	"channel_not_found": true, "is_archived": true, "not_in_channel": true,
	"cant_invite": true, "cant_invite_self": true, "user_is_restricted": true, "ura_max_channels": true,
	"user_is_ultra_restricted": true, "no_user": true, "user_disabled": true, "invalid_name": true,
	"invalid_name_specials": true, "invalid_name_maxlength": true, "invalid_name_punctuation": true,
	"invalid_name_required": true, "too_long": true, "cant_archive_general": true, "restricted_action": true,
}

// classify maps slack-go's errors to chat's.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &chat.RateLimitedError{RetryAfter: rl.RetryAfter}
	}
	switch c := code(err); {
	case c == "name_taken":
		return chat.ErrNameTaken
	case c == "users_not_found" || c == "user_not_found":
		return chat.ErrUserNotFound
	case permanent[c]:
		return &chat.PermanentError{Err: err}
	}
	return err
}

// code returns Slack's error code ("name_taken"), or "".
func code(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
