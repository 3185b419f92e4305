package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	cases := map[string]string{
		ChannelSlack:        QueueChat,
		ChannelSlackWebhook: QueueChat,
		ChannelEmail:        QueuePage,
		ChannelWebhook:      QueuePage,
		"sms":               "",
		"":                  "",
	}
	for ch, want := range cases {
		if got := Queue(ch); got != want {
			t.Errorf("Queue(%q) = %q, want %q", ch, got, want)
		}
	}
}

func TestBackoffDefaultSequence(t *testing.T) {
	want := []time.Duration{
		15 * time.Second, // attempt 0 is treated as 1
		15 * time.Second,
		30 * time.Second,
		time.Minute,
		2 * time.Minute,
		4 * time.Minute,
		8 * time.Minute,
		10 * time.Minute,
		10 * time.Minute,
	}
	for attempt, w := range want {
		if got := Backoff(attempt); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", attempt, got, w)
		}
	}
	// A huge attempt count must not overflow into a negative or zero wait.
	if got := Backoff(1 << 30); got != 10*time.Minute {
		t.Errorf("Backoff(1<<30) = %s, want 10m", got)
	}
}

func TestBackoffPolicyJitterIsInjected(t *testing.T) {
	p := BackoffPolicy{Base: time.Second, Max: time.Minute, Jitter: 0.5, Rand: func() float64 { return 0.5 }}
	// 4s shortened by 0.5*0.5 = 25% → 3s.
	if got := p.Backoff(3); got != 3*time.Second {
		t.Errorf("Backoff(3) = %s, want 3s", got)
	}
	// Capped at 1m, then shortened by 25% → 45s: jitter never exceeds Max.
	if got := p.Backoff(20); got != 45*time.Second {
		t.Errorf("Backoff(20) = %s, want 45s", got)
	}
	// Out-of-range random values and jitter are clamped.
	p = BackoffPolicy{Base: time.Second, Max: time.Minute, Jitter: 7, Rand: func() float64 { return 2 }}
	if got := p.Backoff(1); got != 0 {
		t.Errorf("Backoff with full jitter = %s, want 0", got)
	}
	// Max below Base is raised to Base.
	p = BackoffPolicy{Base: time.Minute, Max: time.Second}
	if got := p.Backoff(5); got != time.Minute {
		t.Errorf("Backoff with Max<Base = %s, want 1m", got)
	}
}

func TestRetryDelayHonoursRetryAfter(t *testing.T) {
	p := BackoffPolicy{Base: 10 * time.Second, Max: time.Minute}
	slow := fmt.Errorf("slack: %w", Temporary(429, 90*time.Second, errors.New("ratelimited")))
	if got := p.RetryDelay(1, slow); got != 90*time.Second {
		t.Errorf("RetryDelay with Retry-After 90s = %s, want 90s", got)
	}
	quick := Temporary(429, time.Second, errors.New("ratelimited"))
	if got := p.RetryDelay(2, quick); got != 20*time.Second {
		t.Errorf("RetryDelay with Retry-After 1s = %s, want the 20s backoff", got)
	}
}

func TestClassification(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		retryable  bool
		retryAfter time.Duration
	}{
		{"nil", nil, false, 0},
		{"permanent", Permanent(550, errors.New("no such user")), false, 0},
		{"temporary", Temporary(451, 0, errors.New("try later")), true, 0},
		{"wrapped temporary", fmt.Errorf("email: %w", Temporary(429, 7*time.Second, errors.New("slow down"))), true, 7 * time.Second},
		{"wrapped permanent", fmt.Errorf("x: %w", Permanent(404, errors.New("gone"))), false, 0},
		{"unclassified", errors.New("surprise"), true, 0},
	}
	for _, c := range cases {
		if got := IsRetryable(c.err); got != c.retryable {
			t.Errorf("%s: IsRetryable = %v, want %v", c.name, got, c.retryable)
		}
		if got := RetryAfter(c.err); got != c.retryAfter {
			t.Errorf("%s: RetryAfter = %s, want %s", c.name, got, c.retryAfter)
		}
	}
}

func TestDeliveryErrorMessageAndUnwrap(t *testing.T) {
	err := Temporary(429, 7*time.Second, context.DeadlineExceeded)
	if got, want := err.Error(), "temporary delivery failure (status 429, retry after 7s): context deadline exceeded"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is does not see through DeliveryError")
	}
	if got, want := Permanent(0, errors.New("bad")).Error(), "permanent delivery failure: bad"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"7":                             7 * time.Second,
		" 120 ":                         2 * time.Minute,
		"0":                             0,
		"-5":                            0,
		"":                              0,
		"soon":                          0,
		"Sun, 01 Mar 2026 12:00:30 GMT": 30 * time.Second,
		"Sun, 01 Mar 2026 11:00:00 GMT": 0, // in the past
		"99999999999999999999":          0, // not an int64: falls to date parsing, which fails
	}
	for in, want := range cases {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
	if got := ParseRetryAfter("9223372036854775807", now); got <= 0 {
		t.Errorf("ParseRetryAfter(max int64) = %s, want a large positive duration", got)
	}
}

func TestHTTPStatusError(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": []string{"7"}}
	cases := []struct {
		status     int
		retryable  bool
		retryAfter time.Duration
	}{
		{301, false, 0},
		{400, false, 0},
		{401, false, 0},
		{404, false, 0},
		{408, true, 7 * time.Second},
		{410, false, 0},
		{429, true, 7 * time.Second},
		{500, true, 7 * time.Second},
		{503, true, 7 * time.Second},
	}
	for _, c := range cases {
		e := HTTPStatusError(c.status, h, []byte("oops"), now)
		if e.Retryable != c.retryable || e.RetryAfter != c.retryAfter || e.Status != c.status {
			t.Errorf("HTTPStatusError(%d) = %+v, want retryable=%v retryAfter=%s", c.status, e, c.retryable, c.retryAfter)
		}
	}
	// The body is kept apart from the error's text, which anyone who sees
	// the message may read: a receiver may answer with anything.
	e := HTTPStatusError(404, nil, []byte("no_service\r\nInjected: header\x00"), now)
	if got, want := e.Error(), "permanent delivery failure (status 404): HTTP 404 Not Found"; got != want {
		t.Errorf("error text = %q, want %q", got, want)
	}
	if got, want := ResponseOf(fmt.Errorf("wrapped: %w", e)), "no_service Injected: header"; got != want {
		t.Errorf("response = %q, want %q", got, want)
	}
	long := HTTPStatusError(500, nil, []byte(strings.Repeat("é", 300)), now).Response
	if want := strings.Repeat("é", 128) + "…"; long != want {
		t.Errorf("long body not truncated on a rune boundary: %q", long)
	}
}

func at(base time.Time, offsets ...time.Duration) []time.Time {
	out := make([]time.Time, len(offsets))
	for i, o := range offsets {
		out[i] = base.Add(o)
	}
	return out
}

func TestThrottleNextAllowed(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	th := Throttle{Windows: []Window{{Count: 2, Per: time.Minute}, {Count: 4, Per: time.Hour}}}
	const dest = "oncall@example.com"

	cases := []struct {
		name    string
		history []time.Time
		next    time.Time
		reason  string
	}{
		{"no history", nil, now, ""},
		{"under both limits", at(now, -30*time.Second), now, ""},
		{
			"minute window full",
			at(now, -10*time.Second, -40*time.Second),
			now.Add(20 * time.Second),
			"throttled: 2 per 1m to this destination; next send at 2026-03-01T12:00:20Z",
		},
		{
			"minute window frees exactly at Per",
			at(now, -10*time.Second, -60*time.Second),
			now, "",
		},
		{
			"hour window is the later constraint",
			at(now, -5*time.Second, -2*time.Minute, -10*time.Minute, -50*time.Minute),
			now.Add(10 * time.Minute),
			"throttled: 4 per 1h to this destination; next send at 2026-03-01T12:10:00Z",
		},
		{
			"unsorted history",
			at(now, -70*time.Minute, -5*time.Second, -10*time.Minute, -20*time.Second, -3*time.Hour),
			now.Add(40 * time.Second),
			"throttled: 2 per 1m to this destination; next send at 2026-03-01T12:00:40Z",
		},
	}
	for _, c := range cases {
		before := slices.Clone(c.history)
		next, reason := th.NextAllowed(dest, c.history, now)
		if !next.Equal(c.next) || reason != c.reason {
			t.Errorf("%s: NextAllowed = %s, %q; want %s, %q", c.name, next, reason, c.next, c.reason)
		}
		if !slices.Equal(before, c.history) {
			t.Errorf("%s: NextAllowed modified history", c.name)
		}
	}
}

func TestThrottleOverridesAndInvalidWindows(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	th := Throttle{
		Windows:   []Window{{Count: 1, Per: time.Minute}},
		Overrides: map[string][]Window{"team@example.com": {{Count: 3, Per: time.Minute}}},
	}
	hist := at(now, -10*time.Second, -20*time.Second)
	if next, reason := th.NextAllowed("team@example.com", hist, now); !next.Equal(now) || reason != "" {
		t.Errorf("override: NextAllowed = %s, %q; want now, no reason", next, reason)
	}
	if next, _ := th.NextAllowed("alice@example.com", hist, now); !next.Equal(now.Add(50 * time.Second)) {
		t.Errorf("default: NextAllowed = %s, want now+50s", next)
	}

	bad := Throttle{Windows: []Window{{Count: 0, Per: time.Minute}, {Count: 1, Per: 0}}}
	if next, reason := bad.NextAllowed("x", hist, now); !next.Equal(now) || reason != "" {
		t.Errorf("invalid windows must be ignored, got %s, %q", next, reason)
	}
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "count 0 must be at least 1") || !strings.Contains(err.Error(), "period 0s must be positive") {
		t.Errorf("Validate = %v, want both problems reported", err)
	}
	for _, ch := range []string{ChannelEmail, ChannelSlack, ChannelSlackWebhook, ChannelWebhook} {
		if err := DefaultThrottle(ch).Validate(); err != nil || len(DefaultThrottle(ch).Windows) == 0 {
			t.Errorf("DefaultThrottle(%q): windows=%v err=%v", ch, DefaultThrottle(ch).Windows, err)
		}
	}
}

// Every channel's default has a short window against bursts and a longer
// one that binds a flood the short one alone would let through at its
// full rate; a destination sent to steadily is held to the long window.
func TestDefaultThrottlesHaveBurstAndLongWindows(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, ch := range []string{ChannelEmail, ChannelSlack, ChannelSlackWebhook, ChannelWebhook} {
		th := DefaultThrottle(ch)
		if len(th.Windows) < 2 {
			t.Errorf("%s: default %v has fewer than two windows", ch, th.Windows)
			continue
		}
		short, long := th.Windows[0], th.Windows[0]
		for _, w := range th.Windows {
			if w.Per < short.Per {
				short = w
			}
			if w.Per > long.Per {
				long = w
			}
		}
		// The short window's full rate over the long window's period.
		burstRate := float64(short.Count) * float64(long.Per) / float64(short.Per)
		if short.Per == long.Per || float64(long.Count) >= burstRate || long.Count <= short.Count {
			t.Errorf("%s: %v and %v: the longer window must allow more sends but a lower rate", ch, short, long)
			continue
		}
		// Sent as fast as the throttle allows for one long period: the
		// long window, not the short one, decides how many go.
		var history []time.Time
		for now := start; now.Before(start.Add(long.Per)); {
			next, _ := th.NextAllowed("dest", history, now)
			if !next.Before(start.Add(long.Per)) {
				break
			}
			history = append(history, next)
			now = next
		}
		if len(history) != long.Count {
			t.Errorf("%s: %d sends in %s, want %d (%s)", ch, len(history), shortDuration(long.Per), long.Count, long)
		}
		if _, reason := th.NextAllowed("dest", history, history[len(history)-1]); !strings.Contains(reason, long.String()) {
			t.Errorf("%s: after a steady flood the reason is %q, want it to name %s", ch, reason, long)
		}
	}
}

func TestWindowString(t *testing.T) {
	cases := map[Window]string{
		{Count: 5, Per: time.Minute}:      "5 per 1m",
		{Count: 20, Per: time.Hour}:       "20 per 1h",
		{Count: 1, Per: time.Second}:      "1 per 1s",
		{Count: 3, Per: 90 * time.Minute}: "3 per 90m",
	}
	for w, want := range cases {
		if got := w.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", w, got, want)
		}
	}
}

func TestMessagePlainText(t *testing.T) {
	m := Message{
		Text:   "Checkout is down.\r\nErrors at 40%.\n",
		Fields: []Field{{Name: "Incident", Value: "#42"}, {Name: "Severity", Value: "SEV1"}},
		AckURL: "https://warroom.example.com/ack/abc",
	}
	want := "Checkout is down.\nErrors at 40%.\n\nIncident: #42\nSeverity: SEV1\n\nAcknowledge: https://warroom.example.com/ack/abc\n"
	if got := m.PlainText(); got != want {
		t.Errorf("PlainText =\n%q\nwant\n%q", got, want)
	}
	if got := (Message{AckURL: "https://x/ack"}).PlainText(); got != "Acknowledge: https://x/ack\n" {
		t.Errorf("PlainText with only an ack link = %q", got)
	}
}

func TestMessageValidate(t *testing.T) {
	ok := Message{ID: "m1", Kind: KindPage, Channel: ChannelEmail, Destination: "a@example.com", Subject: "s", AlertID: "a1"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid message: %v", err)
	}
	bad := Message{Kind: KindPage, Channel: ChannelWebhook}
	err := bad.Validate()
	if err == nil {
		t.Fatal("invalid message passed Validate")
	}
	want := `notify: invalid message: ID is empty; destination is empty; a page needs an alert or an incident to acknowledge; subject and text are both empty`
	if err.Error() != want {
		t.Errorf("Validate = %q, want %q", err, want)
	}
	if err := (Message{ID: "x", Kind: "sms", Channel: "pager", Destination: "d", Text: "t"}).Validate(); err == nil ||
		err.Error() != `notify: invalid message: unknown kind "sms"; unknown channel "pager"` {
		t.Errorf("Validate = %v", err)
	}
}

type fakeNotifier struct {
	channel string
	sent    []Message
}

func (f *fakeNotifier) Channel() string { return f.channel }
func (f *fakeNotifier) Send(_ context.Context, m Message) (string, error) {
	f.sent = append(f.sent, m)
	return "id-" + m.ID, nil
}

func TestRegistry(t *testing.T) {
	email := &fakeNotifier{channel: ChannelEmail}
	slack := &fakeNotifier{channel: ChannelSlack}
	r, err := NewRegistry(email, slack)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Channels(); !slices.Equal(got, []string{"email", "slack"}) {
		t.Errorf("Channels = %v", got)
	}
	id, err := r.Send(context.Background(), Message{ID: "1", Channel: ChannelSlack})
	if err != nil || id != "id-1" || len(slack.sent) != 1 || len(email.sent) != 0 {
		t.Errorf("Send dispatched wrongly: id=%q err=%v slack=%d email=%d", id, err, len(slack.sent), len(email.sent))
	}
	_, err = r.Send(context.Background(), Message{ID: "2", Channel: ChannelWebhook})
	if err == nil || IsRetryable(err) {
		t.Errorf("unknown channel: err=%v retryable=%v, want permanent error", err, IsRetryable(err))
	}
	if _, err := NewRegistry(email, &fakeNotifier{channel: ChannelEmail}); err == nil {
		t.Error("duplicate channel accepted")
	}
	if n, ok := r.Notifier(ChannelEmail); !ok || n != email {
		t.Error("Notifier(email) not found")
	}
}
