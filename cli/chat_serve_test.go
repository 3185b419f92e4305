package cli

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/slackfake"
)

// The server with --chat slack: declaring over the API opens the
// incident's channel in Slack, and a signed slash command lands on the
// timeline and is answered through its response URL.
func TestServeWithSlackChat(t *testing.T) {
	fake := slackfake.New(t)
	fake.AddUser("UADMIN", "admin@example.com", "admin")
	fake.AddChannel("CANN", "incidents")
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	exit := make(chan int)
	go func() {
		exit <- Execute(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", dsn, "--sweep-interval", "1h",
			"--chat", "slack", "--slack-token", slackfake.Token, "--slack-api-url", fake.URL + "/api",
			"--slack-signing-secret", "sign-me", "--chat-announce", "CANN", "--bridge-url", "https://meet.example.com/{ref}"}, pw, io.Discard)
		pw.Close()
	}()
	var base string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" {
		t.Fatal("server did not start")
	}
	out, errOut, code := runCLI(t, nil, "bootstrap", "--db", dsn, "--email", "admin@example.com", "--output", "json")
	if code != 0 {
		t.Fatalf("bootstrap: %s", errOut)
	}
	var boot struct{ Secret string }
	_ = json.Unmarshal([]byte(out), &boot)
	api := func(method, path, body string) string {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+boot.Secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return string(b)
	}
	api("POST", "/api/v1/incidents", `{"title":"checkout down","severity":"SEV2","impact":{"cluster":"prod-eu-1"}}`)
	fake.WaitFor(t, 10*time.Second, "the incident channel and its announcement", func() bool {
		ch, ann := fake.Channel("inc1-prod-eu-1"), fake.ChannelByID("CANN")
		return ch != nil && len(ch.Messages) > 0 && len(ann.Messages) == 1
	})
	ch := fake.Channel("inc1-prod-eu-1")

	// slash sends a signed slash command typed in the channel.
	slash := func(text, response string) {
		t.Helper()
		form := url.Values{"command": {"/inc"}, "text": {text}, "user_id": {"UADMIN"}, "channel_id": {ch.ID},
			"response_url": {fake.ResponseURL(response)}}.Encode()
		ts := time.Now().Unix()
		mac := hmac.New(sha256.New, []byte("sign-me"))
		fmt.Fprintf(mac, "v0:%d:%s", ts, form)
		req, _ := http.NewRequest("POST", base+"/api/v1/chat/commands", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(ts))
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "On it") {
			t.Fatalf("slash command %q: %d %s", text, resp.StatusCode, b)
		}
	}
	slash("note cache flushed", "r1")
	fake.WaitFor(t, 10*time.Second, "the answer and the post of the note", func() bool {
		c := fake.Channel(ch.Name)
		return len(fake.Responses("r1")) == 1 && strings.Contains(c.Messages[len(c.Messages)-1].Text, "cache flushed")
	})
	// comms's notices reach the channel: the assessment questions, asked
	// right after declaration.
	fake.WaitFor(t, 10*time.Second, "the assessment questions in the channel", func() bool {
		for _, m := range fake.Channel(ch.Name).Messages {
			if strings.Contains(m.Text, "assess the impact") {
				return true
			}
		}
		return false
	})
	// An update typed in the channel is sent by comms, on the timeline
	// and posted back.
	slash("update internal rolled back v42; errors are falling", "r2")
	fake.WaitFor(t, 10*time.Second, "the update's answer and its post", func() bool {
		c := fake.Channel(ch.Name)
		return len(fake.Responses("r2")) == 1 && strings.Contains(c.Messages[len(c.Messages)-1].Text, "internal update sent")
	})
	if ups := api("GET", "/api/v1/incidents/INC-1/updates", ""); !strings.Contains(ups, "rolled back v42; errors are falling") {
		t.Fatalf("updates: %s", ups)
	}
	if state := api("GET", "/api/v1/incidents/INC-1/chat", ""); !strings.Contains(state, `"channel_name":"inc1-prod-eu-1"`) {
		t.Fatalf("chat state: %s", state)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("serve exited %d", code)
	}
}

func TestChatSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--chat", "slack"}, "--chat slack needs --slack-token"},
		{[]string{"--chat", "teams", "--slack-token", "x"}, `--chat "teams"`},
		{[]string{"--chat", "slack", "--slack-token", "x", "--chat-channel-template", "{{.Nope}}"}, "--chat-channel-template"},
		{[]string{"--chat", "slack", "--slack-token", "x", "--chat-command", "inc"}, "--chat-command"},
	} {
		_, errOut, code := runCLI(t, nil, append([]string{"serve", "--db", "sqlite:" + filepath.Join(t.TempDir(), "w.db")}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, errOut, c.want)
		}
	}
}
