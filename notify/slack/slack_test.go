package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/notify"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

func page(dest string) notify.Message {
	return notify.Message{
		ID:          "msg_1",
		Kind:        notify.KindPage,
		Channel:     notify.ChannelSlack,
		Destination: dest,
		Subject:     "SEV1: checkout <down>",
		Text:        "Errors at 40% & rising",
		Fields: []notify.Field{
			{Name: "Incident", Value: "#42"},
			{Name: "Bridge", Value: "https://meet.example.com/r?a=1&b=2"},
		},
		AckURL:     "https://warroom.example.com/ack/abc?sig=x&t=1",
		IncidentID: "inc_42",
	}
}

// wantBlocks is the exact Block Kit rendering of page(...).
const wantBlocks = `[` +
	`{"type":"section","text":{"type":"mrkdwn","text":":rotating_light: *SEV1: checkout &lt;down&gt;*\nErrors at 40% &amp; rising"}},` +
	`{"type":"section","fields":[{"type":"mrkdwn","text":"*Incident*\n#42"},{"type":"mrkdwn","text":"*Bridge*\nhttps://meet.example.com/r?a=1&amp;b=2"}]},` +
	`{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Acknowledge"},"url":"https://warroom.example.com/ack/abc?sig=x&t=1","style":"primary","action_id":"warroom_ack"}]}` +
	`]`

const wantText = `SEV1: checkout &lt;down&gt;\nErrors at 40% &amp; rising\n<https://warroom.example.com/ack/abc?sig=x&amp;t=1|Acknowledge>`

type request struct {
	method, path, query string
	header              http.Header
	body                string
}

// fakeSlack records requests and answers each with the next response.
type fakeSlack struct {
	mu       sync.Mutex
	requests []request
}

func (f *fakeSlack) server(t *testing.T, respond func(w http.ResponseWriter)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		f.mu.Unlock()
		respond(w)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeSlack) only(t *testing.T) request {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 1 {
		t.Fatalf("got %d requests, want 1", len(f.requests))
	}
	return f.requests[0]
}

func reply(status int, header map[string]string, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestAPISendsChatPostMessage(t *testing.T) {
	var f fakeSlack
	srv := f.server(t, reply(200, map[string]string{"Content-Type": "application/json"},
		`{"ok":true,"channel":"C0123","ts":"1772366400.000100","message":{"text":"x"}}`))
	api, err := NewAPI(APIConfig{Token: "xoxb-test-token", BaseURL: srv.URL + "/api/"}, srv.Client(), clock)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := api.Send(context.Background(), page("C0123"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if ts != "1772366400.000100" {
		t.Errorf("provider ID = %q, want the message ts", ts)
	}
	r := f.only(t)
	if r.method != "POST" || r.path != "/api/chat.postMessage" || r.query != "" {
		t.Errorf("request = %s %s?%s, want POST /api/chat.postMessage", r.method, r.path, r.query)
	}
	if got := r.header.Get("Authorization"); got != "Bearer xoxb-test-token" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	want := `{"channel":"C0123","text":"` + wantText + `","blocks":` + wantBlocks + `,"unfurl_links":false,"unfurl_media":false}`
	if r.body != want {
		t.Errorf("body =\n%s\nwant\n%s", r.body, want)
	}
	if !json.Valid([]byte(r.body)) {
		t.Error("body is not valid JSON")
	}
}

func TestAPIRateLimited429(t *testing.T) {
	var f fakeSlack
	srv := f.server(t, reply(429, map[string]string{"Retry-After": "7"}, `{"ok":false,"error":"ratelimited"}`))
	api, _ := NewAPI(APIConfig{Token: "xoxb-t", BaseURL: srv.URL}, srv.Client(), clock)
	_, err := api.Send(context.Background(), page("C0123"))
	var de *notify.DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *notify.DeliveryError", err)
	}
	if !de.Retryable || de.RetryAfter != 7*time.Second || de.Status != 429 {
		t.Errorf("got %+v, want retryable, RetryAfter 7s, status 429", de)
	}
	if notify.RetryAfter(err) != 7*time.Second || !notify.IsRetryable(err) {
		t.Errorf("helpers: retryable=%v retryAfter=%s", notify.IsRetryable(err), notify.RetryAfter(err))
	}
	if f.only(t).path != "/chat.postMessage" {
		t.Errorf("path = %q", f.only(t).path)
	}
}

func TestAPIErrorClassification(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		retryable bool
		wait      time.Duration
		contains  string
	}{
		{"channel_not_found", 200, nil, `{"ok":false,"error":"channel_not_found"}`, false, 0, "channel_not_found"},
		{"invalid_auth", 200, nil, `{"ok":false,"error":"invalid_auth"}`, false, 0, "invalid_auth"},
		{"not_in_channel", 200, nil, `{"ok":false,"error":"not_in_channel"}`, false, 0, "not_in_channel"},
		{"ratelimited in body", 200, map[string]string{"Retry-After": "3"}, `{"ok":false,"error":"ratelimited"}`, true, 3 * time.Second, "ratelimited"},
		{"internal_error", 200, nil, `{"ok":false,"error":"internal_error"}`, true, 0, "internal_error"},
		{"ok false without code", 200, nil, `{"ok":false}`, false, 0, "unknown_error"},
		{"503", 503, nil, `<html>down</html>`, true, 0, "503"},
		{"500 with json error", 500, nil, `{"ok":false,"error":"fatal_error"}`, true, 0, "fatal_error"},
		{"404 html", 404, nil, `not found`, false, 0, "404"},
		{"200 not json", 200, nil, `<html>proxy</html>`, true, 0, "malformed response"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f fakeSlack
			srv := f.server(t, reply(c.status, c.header, c.body))
			api, _ := NewAPI(APIConfig{Token: "xoxb-secret-token", BaseURL: srv.URL}, srv.Client(), clock)
			_, err := api.Send(context.Background(), page("C0123"))
			if err == nil {
				t.Fatal("Send succeeded, want error")
			}
			if notify.IsRetryable(err) != c.retryable || notify.RetryAfter(err) != c.wait {
				t.Errorf("err %v: retryable=%v retryAfter=%s, want %v %s", err, notify.IsRetryable(err), notify.RetryAfter(err), c.retryable, c.wait)
			}
			if !strings.Contains(err.Error(), c.contains) {
				t.Errorf("err %q does not mention %q", err, c.contains)
			}
			if strings.Contains(err.Error(), "xoxb-secret-token") {
				t.Errorf("err leaks the token: %v", err)
			}
		})
	}
}

func TestAPIConfigAndTransportErrors(t *testing.T) {
	if _, err := NewAPI(APIConfig{}, nil, nil); err == nil {
		t.Error("NewAPI without token succeeded")
	}
	if _, err := NewAPI(APIConfig{Token: "x", BaseURL: "slack.com/api"}, nil, nil); err == nil {
		t.Error("NewAPI with relative base URL succeeded")
	}
	api, err := NewAPI(APIConfig{Token: "x"}, nil, nil)
	if err != nil || api.endpoint != "https://slack.com/api/chat.postMessage" || api.Channel() != "slack" {
		t.Errorf("default endpoint = %q, err %v", api.endpoint, err)
	}
	if _, err := api.Send(context.Background(), page(" ")); err == nil || notify.IsRetryable(err) {
		t.Errorf("empty channel: err=%v, want permanent", err)
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	down, _ := NewAPI(APIConfig{Token: "x", BaseURL: base}, nil, clock)
	if _, err := down.Send(context.Background(), page("C1")); err == nil || !notify.IsRetryable(err) {
		t.Errorf("Slack unreachable: err=%v, want retryable", err)
	}
}

func TestWebhookSendsIncomingWebhook(t *testing.T) {
	var f fakeSlack
	srv := f.server(t, reply(200, map[string]string{"Content-Type": "text/html"}, "ok"))
	w := NewWebhook(WebhookConfig{}, srv.Client(), clock)
	m := page(srv.URL + "/services/T000/B000/XXXX")
	m.Channel = notify.ChannelSlackWebhook
	id, err := w.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if id != "" {
		t.Errorf("provider ID = %q, want empty (incoming webhooks return none)", id)
	}
	r := f.only(t)
	if r.method != "POST" || r.path != "/services/T000/B000/XXXX" {
		t.Errorf("request = %s %s", r.method, r.path)
	}
	if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none", got)
	}
	want := `{"text":"` + wantText + `","blocks":` + wantBlocks + `,"unfurl_links":false,"unfurl_media":false}`
	if r.body != want {
		t.Errorf("body =\n%s\nwant\n%s", r.body, want)
	}
	if w.Channel() != "slack_webhook" || notify.Queue(w.Channel()) != notify.QueueChat {
		t.Errorf("Channel = %q", w.Channel())
	}
}

func TestWebhookErrors(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		retryable bool
		wait      time.Duration
		contains  string
	}{
		{"429 Retry-After", 429, map[string]string{"Retry-After": "7"}, "rate_limited", true, 7 * time.Second, "429"},
		{"no_service", 404, nil, "no_service", false, 0, "no_service"},
		{"invalid_payload", 400, nil, "invalid_payload", false, 0, "invalid_payload"},
		{"channel_is_archived", 410, nil, "channel_is_archived", false, 0, "channel_is_archived"},
		{"action_prohibited", 403, nil, "action_prohibited", false, 0, "action_prohibited"},
		{"rollup_error", 500, nil, "rollup_error", true, 0, "rollup_error"},
		{"200 but not ok", 200, nil, `{"success":true}`, false, 0, `unexpected response`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f fakeSlack
			srv := f.server(t, reply(c.status, c.header, c.body))
			_, err := NewWebhook(WebhookConfig{}, srv.Client(), clock).Send(context.Background(), page(srv.URL+"/services/T/B/SECRETPART"))
			if err == nil {
				t.Fatal("Send succeeded, want error")
			}
			if notify.IsRetryable(err) != c.retryable || notify.RetryAfter(err) != c.wait {
				t.Errorf("err %v: retryable=%v retryAfter=%s, want %v %s", err, notify.IsRetryable(err), notify.RetryAfter(err), c.retryable, c.wait)
			}
			if !strings.Contains(err.Error(), c.contains) {
				t.Errorf("err %q does not mention %q", err, c.contains)
			}
			if strings.Contains(err.Error(), "SECRETPART") {
				t.Errorf("err leaks the webhook URL: %v", err)
			}
		})
	}

	// Unreachable webhook: retryable, URL not leaked.
	srv := httptest.NewServer(http.NotFoundHandler())
	dest := srv.URL + "/services/T/B/SECRETPART"
	srv.Close()
	_, err := NewWebhook(WebhookConfig{}, nil, clock).Send(context.Background(), page(dest))
	if err == nil || !notify.IsRetryable(err) || strings.Contains(err.Error(), "SECRETPART") {
		t.Errorf("unreachable: err=%v, want retryable without the URL", err)
	}
	if _, err := NewWebhook(WebhookConfig{}, nil, clock).Send(context.Background(), page("C0123")); err == nil || notify.IsRetryable(err) {
		t.Errorf("non-URL destination: err=%v, want permanent", err)
	}
}

func TestBlocksSplitsFieldsAndTruncates(t *testing.T) {
	var fields []notify.Field
	for i := 1; i <= 12; i++ {
		fields = append(fields, notify.Field{Name: fmt.Sprintf("F%d", i), Value: "v"})
	}
	fields = append(fields, notify.Field{}) // empty: skipped
	m := notify.Message{
		Kind:    notify.KindUpdate,
		Subject: "Update\non  two lines",
		Text:    strings.Repeat("a", 2970) + "&&&&",
		Fields:  fields,
	}
	blocks := Blocks(m)
	if len(blocks) != 3 {
		t.Fatalf("got %d blocks, want headline + 2 field sections (no ack button)", len(blocks))
	}
	head := blocks[0].Text.Text
	// "*Update on two lines*\n" is 22 runes, the a's 2970 and the escaped
	// "&amp;&amp;&amp;&amp;" 20: 3012 in all, over the 3000 limit. The cut
	// at 2999 runes lands inside the second "&amp;", which is dropped whole.
	wantHead := "*Update on two lines*\n" + strings.Repeat("a", 2970) + "&amp;…"
	if head != wantHead {
		t.Errorf("headline has %d runes, ends %q; want %q", len([]rune(head)), head[len(head)-10:], wantHead[len(wantHead)-10:])
	}
	if n := len(blocks[1].Fields); n != 10 {
		t.Errorf("first field section has %d fields, want 10", n)
	}
	if n := len(blocks[2].Fields); n != 2 || blocks[2].Fields[1].Text != "*F12*\nv" {
		t.Errorf("second field section = %+v", blocks[2].Fields)
	}

	// An entity cut in half is dropped whole.
	if got := truncate("abc&amp;def", 6); got != "abc…" {
		t.Errorf("truncate = %q, want %q", got, "abc…")
	}
	if got := truncate("héllo", 5); got != "héllo" {
		t.Errorf("truncate(fits) = %q", got)
	}
	if got := truncate("héllo wörld", 4); got != "hél…" {
		t.Errorf("truncate(runes) = %q", got)
	}

	// Mentions in user text are neutralised.
	if got := Escape("<!channel> & <@U123>"); got != "&lt;!channel&gt; &amp; &lt;@U123&gt;" {
		t.Errorf("Escape = %q", got)
	}
}

func TestFallbackTextKeepsAckLinkWhenTruncated(t *testing.T) {
	m := notify.Message{Subject: "s", Text: strings.Repeat("x", 5000), AckURL: "https://w/ack"}
	got := FallbackText(m)
	if !strings.HasSuffix(got, "…\n<https://w/ack|Acknowledge>") {
		t.Errorf("fallback does not end with the ack link: ...%q", got[len(got)-40:])
	}
	if n := len([]rune(got)); n != maxFallbackText {
		t.Errorf("fallback has %d runes, want %d", n, maxFallbackText)
	}
	if got := FallbackText(notify.Message{Text: "only text"}); got != "only text" {
		t.Errorf("FallbackText = %q", got)
	}
}
