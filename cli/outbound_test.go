package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// --outbound-allow: from the flag, the environment or the config file;
// a value that is no range is refused saying where it came from.
func TestOutboundAllowSetting(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		file string
		want string
	}{
		{"default: nothing opened", nil, nil, "", ""},
		{"flag", []string{"--outbound-allow", "10.20.0.0/16, 127.0.0.1"}, nil, "", "10.20.0.0/16,127.0.0.1/32"},
		{"environment", nil, map[string]string{"WARROOM_OUTBOUND_ALLOW": "fd12::/16"}, "", "fd12::/16"},
		{"config file", nil, nil, `{"outbound_allow": "192.168.7.0/24"}`, "192.168.7.0/24"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServeFlags(t, tt.args, tt.env, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Paging.OutboundAllow.String(); got != tt.want {
				t.Errorf("allowed %q, want %q", got, tt.want)
			}
		})
	}
	_, err := parseServeFlags(t, nil, map[string]string{"WARROOM_OUTBOUND_ALLOW": "10.0.0.0/40"}, "")
	if err == nil || !strings.Contains(err.Error(), "environment variable WARROOM_OUTBOUND_ALLOW") || !strings.Contains(err.Error(), "10.0.0.0/40") {
		t.Fatalf("bad range: %v", err)
	}
}

// The server refuses a webhook contact method on a loopback address
// unless --outbound-allow opens it.
func TestServeRefusesLoopbackWebhookContactUnlessAllowed(t *testing.T) {
	url, _, token := startServe(t, "--webhook-secret", "whsec-0123456789abcdef")
	c := cliRunner{t: t, env: map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	out, errOut, code := runCLI(t, c.env, "contact", "add", "--channel", "webhook", "--address", "http://127.0.0.1:9/internal/admin")
	if code == 0 || !strings.Contains(errOut, "127.0.0.1 is a loopback address") || !strings.Contains(errOut, "--outbound-allow") {
		t.Fatalf("contact add on loopback: exit %d\n%s%s", code, out, errOut)
	}

	url, _, token = startServe(t, "--outbound-allow", "127.0.0.0/8", "--webhook-secret", "whsec-0123456789abcdef")
	c = cliRunner{t: t, env: map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	c.ok("contact", "add", "--channel", "webhook", "--address", "http://127.0.0.1:9/hook")
}

// `alerts messages` shows what a receiver answered when the API shows it
// (to admins).
func TestAlertsMessagesShowsTheReceiversAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"messages":[{"id":"m1","kind":"page","channel":"webhook","destination":"https://hooks.example.com/…",
			"subject":"[CRITICAL] API down","state":"failed","attempts":1,"due_at":"2026-03-02T09:00:00Z",
			"last_error":"permanent delivery failure (status 500): HTTP 500 Internal Server Error; attempt 1, giving up",
			"last_response":"upstream exploded","history":[{"message_id":"m1","at":"2026-03-02T09:00:00Z","outcome":"failed",
			"detail":"permanent delivery failure (status 500): HTTP 500 Internal Server Error; attempt 1, giving up","response":"upstream exploded"}]}]}`)
	}))
	defer srv.Close()
	out, errOut, code := runCLI(t, map[string]string{"WARROOM_SERVER": srv.URL, "WARROOM_TOKEN": "wr_x"}, "alerts", "messages", "a1")
	if code != 0 || !strings.Contains(out, "HTTP 500 Internal Server Error; attempt 1, giving up\n") ||
		!strings.Contains(out, "receiver answered: upstream exploded") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// A server started without --webhook-secret cannot sign webhook pages:
// `contact add --channel webhook` is refused, naming the setting, and
// stores nothing; started with it, the same contact is added.
func TestContactAddWebhookNeedsTheServersWebhookSecret(t *testing.T) {
	url, _, token := startServe(t, "--outbound-allow", "127.0.0.0/8")
	c := cliRunner{t: t, env: map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	out, errOut, code := runCLI(t, c.env, "contact", "add", "--channel", "webhook", "--address", "http://127.0.0.1:9/hook")
	const want = "webhook contact methods need the server's webhook-secret setting (--webhook-secret / WARROOM_WEBHOOK_SECRET)"
	if code == 0 || !strings.Contains(errOut, want) {
		t.Fatalf("contact add webhook without the server's secret: exit %d\n%s%s", code, out, errOut)
	}
	if list := c.ok("contact", "list"); strings.Contains(list, "127.0.0.1:9") {
		t.Fatalf("the refused contact was stored:\n%s", list)
	}

	url, _, token = startServe(t, "--outbound-allow", "127.0.0.0/8", "--webhook-secret", "whsec-0123456789abcdef")
	c = cliRunner{t: t, env: map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	c.ok("contact", "add", "--channel", "webhook", "--address", "http://127.0.0.1:9/hook")
}
