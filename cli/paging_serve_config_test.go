package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/testclock"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// --throttle: every source, channels not given keep their defaults, and
// each mistake is refused saying what is wrong and where it came from.
func TestThrottleSetting(t *testing.T) {
	win := func(count int, per time.Duration) notify.Window { return notify.Window{Count: count, Per: per} }
	m := time.Minute
	defaults := defaultThrottles()
	with := func(changes map[string][]notify.Window) throttleSetting {
		out := defaultThrottles()
		for ch, ws := range changes {
			out[ch] = notify.Throttle{Windows: ws}
		}
		return out
	}
	ok := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want throttleSetting
	}{
		{"defaults", nil, nil, "", defaults},
		{"repeated flag", []string{"--throttle", "email=10/1m,30/1h", "--throttle", "webhook=120/1m,1200/1h"}, nil, "",
			with(map[string][]notify.Window{notify.ChannelEmail: {win(10, m), win(30, time.Hour)}, notify.ChannelWebhook: {win(120, m), win(1200, time.Hour)}})},
		{"one flag, spaces", []string{"--throttle", " slack = 2/1s , 20/1m ; email=1/30s "}, nil, "",
			with(map[string][]notify.Window{notify.ChannelSlack: {win(2, time.Second), win(20, m)}, notify.ChannelEmail: {win(1, 30*time.Second)}})},
		{"environment", nil, map[string]string{"WARROOM_THROTTLE": "slack-webhook=1/2s,10/1m;email=3/1m,20/24h"}, "",
			with(map[string][]notify.Window{notify.ChannelSlackWebhook: {win(1, 2*time.Second), win(10, m)}, notify.ChannelEmail: {win(3, m), win(20, 24*time.Hour)}})},
		{"config file", nil, nil, `{"throttle": "webhook=1/5m"}`, with(map[string][]notify.Window{notify.ChannelWebhook: {win(1, 5*m)}})},
		{"flag over environment and file", []string{"--throttle", "email=2/1m"}, map[string]string{"WARROOM_THROTTLE": "webhook=1/1m"}, `{"throttle": "slack=1/1m"}`,
			with(map[string][]notify.Window{notify.ChannelEmail: {win(2, m)}})},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServeFlags(t, tt.args, tt.env, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cfg.Paging.Throttle.String(), tt.want.String(); got != want {
				t.Errorf("throttles %s, want %s", got, want)
			}
			if err := cfg.validate(); err != nil {
				t.Errorf("validate: %v", err)
			}
		})
	}

	bad := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want string
	}{
		{"unknown channel", []string{"--throttle", "sms=1/1m"}, nil, "",
			`flag --throttle: "sms=1/1m": unknown channel "sms"; use email, webhook, slack or slack-webhook`},
		{"internal channel name", []string{"--throttle", "slack_webhook=1/1s"}, nil, "",
			`flag --throttle: "slack_webhook=1/1s": unknown channel "slack_webhook"; use email, webhook, slack or slack-webhook`},
		{"no channel", []string{"--throttle", "10/1m"}, nil, "",
			`flag --throttle: "10/1m": write CHANNEL=COUNT/WINDOW[,COUNT/WINDOW...], e.g. email=10/1m,30/1h`},
		{"empty", []string{"--throttle", " ; "}, nil, "",
			`flag --throttle: no channel given; write CHANNEL=COUNT/WINDOW[,COUNT/WINDOW...], e.g. email=10/1m,30/1h`},
		{"channel twice", []string{"--throttle", "email=1/1m", "--throttle", "webhook=1/1m", "--throttle", "email=2/1m"}, nil, "",
			`flag --throttle: channel email is given twice`},
		{"count not a number", []string{"--throttle", "email=ten/1m"}, nil, "",
			`flag --throttle: "email=ten/1m": count "ten" is not a whole number of at least 1`},
		{"count zero", []string{"--throttle", "email=5/1m,0/1h"}, nil, "",
			`flag --throttle: "email=5/1m,0/1h": count "0" is not a whole number of at least 1`},
		{"no window", []string{"--throttle", "email=10"}, nil, "",
			`flag --throttle: "email=10": limit "10" is not COUNT/WINDOW, e.g. 10/1m`},
		{"trailing comma", []string{"--throttle", "email=10/1m,"}, nil, "",
			`flag --throttle: "email=10/1m,": limit "" is not COUNT/WINDOW, e.g. 10/1m`},
		{"window not a duration", []string{"--throttle", "email=10/1x"}, nil, "",
			`flag --throttle: "email=10/1x": window "1x" is not a positive duration like 30s, 1m or 1h`},
		{"window negative", []string{"--throttle", "webhook=10/-1m"}, nil, "",
			`flag --throttle: "webhook=10/-1m": window "-1m" is not a positive duration like 30s, 1m or 1h`},
		{"window too long", []string{"--throttle", "email=100/48h"}, nil, "",
			`flag --throttle: "email=100/48h": window 48h is longer than 24h: sends are kept only that long (--message-retention at its shortest), so it could not count them`},
		{"window twice", []string{"--throttle", "email=10/1m,20/60s"}, nil, "",
			`flag --throttle: "email=10/1m,20/60s": window 1m is given twice (10/1m and 20/60s); give each window one count`},
		{"bad environment value", nil, map[string]string{"WARROOM_THROTTLE": "webhook=1/1q"}, "",
			`environment variable WARROOM_THROTTLE: "webhook=1/1q": window "1q" is not a positive duration like 30s, 1m or 1h`},
		{"bad config file value", nil, nil, `{"throttle": "email"}`,
			`config file key throttle: "email": write CHANNEL=COUNT/WINDOW[,COUNT/WINDOW...], e.g. email=10/1m,30/1h`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseServeFlags(t, tt.args, tt.env, tt.file)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v\nwant        %s", err, tt.want)
			}
			if _, ok := err.(*usageError); !ok {
				t.Errorf("error %T is not a usage error", err)
			}
		})
	}
	_, errOut, code := runCLI(t, nil, "serve", "--throttle", "email=5/1m", "--throttle", "fax=1/1h")
	if want := `"fax=1/1h": unknown channel "fax"`; code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("serve with a bad --throttle: exit %d, %q; want exit 2 and %q", code, errOut, want)
	}
}

// Every channel's default throttle is notify's, with a burst window and a
// longer one, and `warroom serve --help` shows them.
func TestThrottleDefaults(t *testing.T) {
	cfg := defaultServeConfig()
	for name, ch := range announceChannels {
		th, ok := cfg.Paging.Throttle[ch]
		if !ok || len(th.Windows) < 2 || th.Windows[0].Per == th.Windows[1].Per {
			t.Errorf("%s: default throttle %v, want a short and a long window", name, th.Windows)
		}
		if got, want := th.Windows, notify.DefaultThrottle(ch).Windows; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: default %v, want notify's %v", name, got, want)
		}
	}
	if len(cfg.Paging.Throttle) != 4 {
		t.Errorf("default throttles for %d channels, want 4", len(cfg.Paging.Throttle))
	}
	out, _, code := runCLI(t, nil, "serve", "--help")
	const want = "(default email=5/1m,60/1h;slack=1/1s,30/1m;slack-webhook=1/1s,30/1m;webhook=60/1m,600/1h); env WARROOM_THROTTLE"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("serve --help (exit %d) does not show the default throttles %q:\n%s", code, want, out)
	}
}

// The throttle of a serve config reaches the sender: two incidents
// announced to one webhook go out together by default; with --throttle
// webhook=1/5m the second waits five minutes, saying why, then goes.
func TestServeThrottleSettingThrottles(t *testing.T) {
	for _, tt := range []struct {
		name     string
		throttle []string
		atOnce   int
	}{
		{"default", nil, 2},
		{"one per 5m", []string{"--throttle", "webhook=1/5m"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var received atomic.Int32
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				received.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer hook.Close()
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")
			args := append([]string{"--db", dsn, "--announce", "webhook:" + hook.URL + "/announce",
				"--webhook-secret", "whsec-0123456789abcdef"}, tt.throttle...)
			cfg, err := parseServeFlags(t, args, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.validate(); err != nil {
				t.Fatal(err)
			}
			store, err := sqlstore.Open(ctx, cfg.Database)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			clock := testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			a := &app{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }, now: clock.Now}
			incidents := &warroom.Incidents{Store: store, Now: clock.Now, Policy: cfg.Policy, NewID: newID, BridgeURLTemplate: cfg.BridgeURL}
			pg, err := a.startPaging(cfg, store, incidents, "http://127.0.0.1:8080", slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			run := func() {
				t.Helper()
				for range 50 {
					n := 0
					for _, q := range pg.pager.Queues() {
						k, err := pg.engine.RunDue(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						n += k
					}
					for _, q := range paging.Queues {
						k, err := pg.pager.Sender().SendDue(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						n += k
					}
					if n == 0 {
						return
					}
				}
				t.Fatal("work keeps coming")
			}

			ada := &warroom.User{Handle: "ada", Name: "Ada", Email: "ada@example.com", TimeZone: "UTC", Role: warroom.AccountResponder}
			if err := store.CreateUser(ctx, ada); err != nil {
				t.Fatal(err)
			}
			var second string
			for _, title := range []string{"Checkout errors", "Search down"} {
				res, err := incidents.Declare(ctx, ada.Actor(), warroom.Declaration{Title: title, Severity: warroom.SEV3}, warroom.Idempotency{})
				if err != nil {
					t.Fatal(err)
				}
				second = res.Incident.ID
			}
			run()
			if n := int(received.Load()); n != tt.atOnce {
				t.Fatalf("%d announcements at once, want %d", n, tt.atOnce)
			}
			if tt.atOnce == 2 {
				return
			}
			var waiting *notify.Outbox
			msgs, err := store.ListMessages(ctx, second, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.State == notify.StatePending {
					waiting = m
				}
			}
			const reason = "throttled: 1 per 5m to this destination; next send at 2026-03-02T09:05:00Z"
			if waiting == nil || waiting.ThrottleReason != reason {
				t.Fatalf("the second announcement is not delayed with the reason %q: %+v", reason, msgs)
			}
			clock.Advance(5 * time.Minute)
			run()
			if n := received.Load(); n != 2 {
				t.Errorf("%d announcements after 5m, want 2", n)
			}
		})
	}
}
