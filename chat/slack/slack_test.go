package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/chat"
	"github.com/warroom/warroom/chat/slack"
	"github.com/warroom/warroom/internal/slackfake"
)

func TestClientAgainstTheWebAPI(t *testing.T) {
	fake := slackfake.New(t)
	fake.AddUser("U1", "ada@example.com", "ada")
	fake.AddChannel("CTAKEN", "inc7-eu")
	c := slack.New(slackfake.Token, fake.APIURL(), nil)
	ctx := context.Background()

	if _, err := c.CreateChannel(ctx, "inc7-eu", false); !errors.Is(err, chat.ErrNameTaken) {
		t.Fatalf("taken name: got %v, want ErrNameTaken", err)
	}
	ch, err := c.CreateChannel(ctx, "inc7-eu-2", false)
	if err != nil || ch.ID == "" || ch.Name != "inc7-eu-2" {
		t.Fatalf("create: %+v %v", ch, err)
	}
	if err := c.SetTopic(ctx, ch.ID, "IC: @ada"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPurpose(ctx, ch.ID, "INC-7 SEV2: api down"); err != nil {
		t.Fatal(err)
	}
	uid, err := c.UserByEmail(ctx, "ADA@example.com")
	if err != nil || uid != "U1" {
		t.Fatalf("lookupByEmail: %q %v", uid, err)
	}
	if _, err := c.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, chat.ErrUserNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
	if email, err := c.UserEmail(ctx, "U1"); err != nil || email != "ada@example.com" {
		t.Fatalf("users.info: %q %v", email, err)
	}
	for range 2 { // inviting a member again is not an error
		if err := c.Invite(ctx, ch.ID, "U1"); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := c.Post(ctx, ch.ID, chat.Message{Text: "hello", Buttons: chat.Buttons("inc-id")})
	if err != nil || ts == "" {
		t.Fatalf("post: %q %v", ts, err)
	}
	got := fake.ChannelByID(ch.ID)
	if got.Topic != "IC: @ada" || got.Purpose != "INC-7 SEV2: api down" || len(got.Members) != 1 || len(got.Messages) != 1 {
		t.Fatalf("channel: %+v", got)
	}
	if !strings.Contains(got.Messages[0].Blocks, `"action_id":"take_ic"`) || !strings.Contains(got.Messages[0].Blocks, `"value":"inc-id"`) {
		t.Fatalf("buttons missing from the blocks: %s", got.Messages[0].Blocks)
	}
	for range 2 {
		if err := c.Archive(ctx, ch.ID); err != nil {
			t.Fatal(err)
		}
	}
	var perm *chat.PermanentError
	if _, err := c.Post(ctx, ch.ID, chat.Message{Text: "late"}); !errors.As(err, &perm) {
		t.Fatalf("post to an archived channel: %v, want a permanent error", err)
	}

	fake.RateLimit(1, 30)
	var rl *chat.RateLimitedError
	if err := c.SetTopic(ctx, ch.ID, "x"); !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second {
		t.Fatalf("429: got %v, want RateLimitedError after 30s", err)
	}
	fake.SetDown(true)
	err = c.SetTopic(ctx, ch.ID, "x")
	if err == nil || errors.As(err, &perm) || errors.As(err, &rl) {
		t.Fatalf("outage: got %v, want a retryable error", err)
	}
}

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

func sign(body string, ts int64, key string) http.Header {
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", fmt.Sprint(ts))
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

func TestRequestsAreVerified(t *testing.T) {
	r := slack.NewRequests(secret, nil, time.Now)
	body := url.Values{"command": {"/inc"}, "text": {"note hi"}, "user_id": {"U1"}, "channel_id": {"C1"},
		"response_url": {"https://hooks.slack.com/commands/T1/1/x"}}.Encode()
	now := time.Now().Unix()

	req, err := r.Command(sign(body, now, secret), []byte(body))
	if err != nil || req.UserID != "U1" || req.Text != "note hi" || req.ChannelID != "C1" || req.ID == "" {
		t.Fatalf("valid: %+v %v", req, err)
	}
	if _, err := r.Command(sign(body, now, secret), []byte(body)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("replayed: got %v, want ErrUnverified", err)
	}
	if _, err := r.Command(sign(body, now, "another secret"), []byte(body)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("forged: got %v", err)
	}
	tampered := strings.Replace(body, "hi", "bye", 1)
	if _, err := r.Command(sign(body, now+1, secret), []byte(tampered)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("tampered body: got %v", err)
	}
	if _, err := r.Command(sign(body, now-int64(6*time.Minute/time.Second), secret), []byte(body)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("stale: got %v", err)
	}
	if _, err := r.Command(http.Header{}, []byte(body)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("unsigned: got %v", err)
	}
	if _, err := slack.NewRequests("", nil, nil).Command(sign(body, now+2, ""), []byte(body)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("no secret configured: got %v", err)
	}

	payload := `{"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C1"},"response_url":"https://hooks.slack.com/actions/x",` +
		`"actions":[{"type":"button","action_id":"take_ic","block_id":"warroom","value":"inc-1","action_ts":"1"}]}`
	ibody := url.Values{"payload": {payload}}.Encode()
	in, err := r.Interaction(sign(ibody, now, secret), []byte(ibody))
	if err != nil || in.Action != chat.ActionTakeCommand || in.Value != "inc-1" || in.UserID != "U1" {
		t.Fatalf("block action: %+v %v", in, err)
	}
	if _, err := r.Interaction(sign(ibody, now, secret), []byte(ibody)); !errors.Is(err, chat.ErrUnverified) {
		t.Fatalf("replayed interaction: %v", err)
	}
	shortcut := `{"type":"message_action","callback_id":"add_to_timeline","user":{"id":"U1"},"channel":{"id":"C1"},` +
		`"message":{"type":"message","text":"cache flushed on eu-1","ts":"1.2"},"response_url":"https://hooks.slack.com/x"}`
	sbody := url.Values{"payload": {shortcut}}.Encode()
	in, err = r.Interaction(sign(sbody, now, secret), []byte(sbody))
	if err != nil || in.Action != chat.ActionAddToTimeline || in.MessageText != "cache flushed on eu-1" {
		t.Fatalf("message action: %+v %v", in, err)
	}
}

func TestRespondPostsToTheResponseURL(t *testing.T) {
	fake := slackfake.New(t)
	r := slack.NewRequests(secret, nil, time.Now)
	if err := r.Respond(context.Background(), fake.ResponseURL("a"), chat.Reply{Text: "Done"}); err != nil {
		t.Fatal(err)
	}
	got := fake.Responses("a")
	if len(got) != 1 || !strings.Contains(string(got[0]), `"response_type":"ephemeral"`) || !strings.Contains(string(got[0]), `"text":"Done"`) {
		t.Fatalf("responses: %s", got)
	}
	ct, b := r.Render(chat.Reply{Text: "hi", Public: true})
	if ct != "application/json" || !strings.Contains(string(b), `"response_type":"in_channel"`) {
		t.Fatalf("render: %s %s", ct, b)
	}
}
