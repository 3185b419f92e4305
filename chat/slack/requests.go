package slack

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/warroom/warroom/chat"
)

// Window is how old a request's timestamp may be (Slack's advice, and
// slack-go's check): older requests are refused, and a request seen once
// is refused again until it falls out of the window.
const Window = 5 * time.Minute

// Requests verifies and parses what Slack sends to warroom (slash
// commands, interactivity) and answers through response URLs. It
// implements chat.Inbound and chat.Responder.
type Requests struct {
	secret string
	now    func() time.Time
	api    *slack.Client

	mu    sync.Mutex
	seen  map[string]time.Time // signature -> when it leaves the window
	swept time.Time
}

var (
	_ chat.Inbound   = (*Requests)(nil)
	_ chat.Responder = (*Requests)(nil)
)

// NewRequests verifies with the app's signing secret; hc (nil: 30s
// timeout) posts the answers to response URLs.
func NewRequests(signingSecret string, hc *http.Client, now func() time.Time) *Requests {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Requests{secret: signingSecret, now: now, api: slack.New("", slack.OptionHTTPClient(hc)), seen: map[string]time.Time{}}
}

// verify checks the signature (slack-go's verifier: HMAC-SHA256 of
// "v0:timestamp:body", timestamp within 5 minutes), then that the
// signature was not seen before within the window. It returns the
// signature, which identifies the request.
func (r *Requests) verify(h http.Header, body []byte) (string, error) {
	if r.secret == "" {
		return "", fmt.Errorf("%w: no signing secret is configured", chat.ErrUnverified)
	}
	sv, err := slack.NewSecretsVerifier(h, r.secret)
	if err != nil {
		return "", fmt.Errorf("%w: %v", chat.ErrUnverified, err)
	}
	if _, err := sv.Write(body); err != nil {
		return "", fmt.Errorf("%w: %v", chat.ErrUnverified, err)
	}
	if err := sv.Ensure(); err != nil {
		return "", fmt.Errorf("%w: %v", chat.ErrUnverified, err)
	}
	sig := h.Get("X-Slack-Signature")
	ts, _ := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64) // parsed by the verifier already
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > time.Minute {
		for s, until := range r.seen {
			if now.After(until) {
				delete(r.seen, s)
			}
		}
		r.swept = now
	}
	if until, ok := r.seen[sig]; ok && !now.After(until) {
		return "", fmt.Errorf("%w: replayed request", chat.ErrUnverified)
	}
	// Kept until the timestamp leaves the window on either side.
	r.seen[sig] = time.Unix(ts, 0).Add(Window + time.Minute)
	return sig, nil
}

// requestID derives the request's ID from its signature.
func requestID(sig string) string {
	if b, err := hex.DecodeString(trimV0(sig)); err == nil && len(b) >= 16 {
		return hex.EncodeToString(b[:16])
	}
	return sig
}

func trimV0(sig string) string {
	if len(sig) > 3 && sig[:3] == "v0=" {
		return sig[3:]
	}
	return sig
}

// Command implements chat.Inbound: a slash command's form.
func (r *Requests) Command(h http.Header, body []byte) (chat.Request, error) {
	sig, err := r.verify(h, body)
	if err != nil {
		return chat.Request{}, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return chat.Request{}, fmt.Errorf("slack: slash command form: %w", err)
	}
	if form.Get("user_id") == "" {
		return chat.Request{}, errors.New("slack: slash command without user_id")
	}
	return chat.Request{UserID: form.Get("user_id"), ChannelID: form.Get("channel_id"), Text: form.Get("text"),
		ResponseURL: form.Get("response_url"), ID: requestID(sig)}, nil
}

// Interaction implements chat.Inbound: the "payload" JSON of a block
// action (a button) or a message action (a shortcut).
func (r *Requests) Interaction(h http.Header, body []byte) (chat.Interaction, error) {
	sig, err := r.verify(h, body)
	if err != nil {
		return chat.Interaction{}, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return chat.Interaction{}, fmt.Errorf("slack: interaction form: %w", err)
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return chat.Interaction{}, fmt.Errorf("slack: interaction payload: %w", err)
	}
	in := chat.Interaction{UserID: cb.User.ID, ChannelID: cb.Channel.ID, ResponseURL: cb.ResponseURL, ID: requestID(sig)}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return chat.Interaction{}, errors.New("slack: block_actions without an action")
		}
		a := cb.ActionCallback.BlockActions[0]
		in.Action, in.Value = a.ActionID, a.Value
	case slack.InteractionTypeMessageAction:
		in.Action, in.MessageText = cb.CallbackID, cb.Message.Text
	default:
		return chat.Interaction{}, fmt.Errorf("slack: interaction type %q is not used by warroom", cb.Type)
	}
	if in.UserID == "" {
		return chat.Interaction{}, errors.New("slack: interaction without a user")
	}
	return in, nil
}

// Render implements chat.Inbound: Slack's immediate answer, ephemeral
// unless Public; an empty reply is an empty 200.
func (r *Requests) Render(reply chat.Reply) (string, []byte) {
	if reply.Text == "" {
		return "text/plain; charset=utf-8", nil
	}
	b, _ := json.Marshal(slack.Msg{Text: reply.Text, ResponseType: responseType(reply)})
	return "application/json", b
}

func responseType(reply chat.Reply) string {
	if reply.Public {
		return slack.ResponseTypeInChannel
	}
	return slack.ResponseTypeEphemeral
}

// Respond implements chat.Responder: a POST to the response URL.
func (r *Requests) Respond(ctx context.Context, responseURL string, reply chat.Reply) error {
	_, _, err := r.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(responseURL, responseType(reply)),
		slack.MsgOptionText(reply.Text, false))
	return classify(err)
}
