package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/outbound"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // unix 1772366400

func clock() time.Time { return fixedNow }

const secret = "s3cr3t-key"

func page(dest string) notify.Message {
	return notify.Message{
		ID:          "msg_123",
		Kind:        notify.KindPage,
		Channel:     notify.ChannelWebhook,
		Destination: dest,
		Subject:     "SEV1: checkout down",
		Text:        "Error rate 40% <high>",
		Fields:      []notify.Field{{Name: "Severity", Value: "SEV1"}, {Name: "Service", Value: "checkout"}},
		AckURL:      "https://warroom.example.com/ack/abc?sig=x&t=1",
		IncidentID:  "inc_42",
		AlertID:     "al_7",
		Secret:      secret,
	}
}

type captured struct {
	method, path string
	header       http.Header
	body         []byte
}

// receiver records every request and answers with respond.
func receiver(t *testing.T, respond func(w http.ResponseWriter)) (*httptest.Server, func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Method, r.URL.Path, r.Header.Clone(), body})
		mu.Unlock()
		respond(w)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), got...)
	}
}

// independentSignature recomputes the signature without using this
// package's code, so a bug in Sign cannot hide itself.
func independentSignature(key, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + "." + string(body)))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestSendPostsSignedPayload(t *testing.T) {
	srv, requests := receiver(t, func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) })
	n := New(Config{}, srv.Client(), clock)

	id, err := n.Send(context.Background(), page(srv.URL+"/hooks/warroom"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if id != "" {
		t.Errorf("provider ID = %q, want empty", id)
	}
	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/hooks/warroom" {
		t.Errorf("request = %s %s, want POST /hooks/warroom", r.method, r.path)
	}
	wantBody := `{"id":"msg_123","kind":"page","incident_id":"inc_42","alert_id":"al_7",` +
		`"subject":"SEV1: checkout down","text":"Error rate 40% <high>",` +
		`"fields":[{"name":"Severity","value":"SEV1"},{"name":"Service","value":"checkout"}],` +
		`"ack_url":"https://warroom.example.com/ack/abc?sig=x&t=1","sent_at":"2026-03-01T12:00:00Z"}`
	if string(r.body) != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", r.body, wantBody)
	}
	wantHeaders := map[string]string{
		"Content-Type":        "application/json",
		"User-Agent":          "warroom-webhook/1",
		"X-Warroom-Delivery":  "msg_123",
		"X-Warroom-Timestamp": "1772366400",
		"X-Warroom-Signature": independentSignature(secret, "1772366400", []byte(wantBody)),
	}
	for k, v := range wantHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if strings.Contains(string(r.body), secret) {
		t.Error("the signing secret leaked into the body")
	}

	// The receiver-side helper accepts the genuine request...
	ts, sig := r.header.Get(HeaderTimestamp), r.header.Get(HeaderSignature)
	if err := Verify(secret, ts, string(r.body), sig, fixedNow.Add(30*time.Second), time.Minute); err != nil {
		t.Errorf("Verify(genuine) = %v", err)
	}
	// ...and rejects a tampered body, a wrong secret, and a replay.
	tampered := strings.Replace(string(r.body), "SEV1", "SEV4", 1)
	if err := Verify(secret, ts, tampered, sig, fixedNow, time.Minute); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("Verify(tampered body) = %v, want ErrSignatureMismatch", err)
	}
	if err := Verify("other", ts, string(r.body), sig, fixedNow, time.Minute); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("Verify(wrong secret) = %v, want ErrSignatureMismatch", err)
	}
	if err := Verify(secret, "1772366401", string(r.body), sig, fixedNow, time.Minute); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("Verify(shifted timestamp) = %v, want ErrSignatureMismatch", err)
	}
	if err := Verify(secret, ts, string(r.body), sig, fixedNow.Add(2*time.Minute), time.Minute); !errors.Is(err, ErrStaleTimestamp) {
		t.Errorf("Verify(replayed late) = %v, want ErrStaleTimestamp", err)
	}
	if err := Verify(secret, ts, string(r.body), sig, fixedNow.Add(-2*time.Minute), time.Minute); !errors.Is(err, ErrStaleTimestamp) {
		t.Errorf("Verify(from the future) = %v, want ErrStaleTimestamp", err)
	}
	if err := Verify(secret, ts, string(r.body), sig, fixedNow.Add(4*time.Minute), 0); err != nil {
		t.Errorf("Verify with default tolerance = %v, want nil", err)
	}
}

func TestVerifyMalformedInput(t *testing.T) {
	body := `{"id":"x"}`
	good := independentSignature(secret, "100", []byte(body))
	now := time.Unix(100, 0)
	cases := []struct {
		name         string
		key, ts, sig string
		wantErr      error
	}{
		{"ok", secret, "100", good, nil},
		{"no secret", "", "100", good, ErrNoSecret},
		{"timestamp not a number", secret, "1e2", good, ErrBadTimestamp},
		{"missing prefix", secret, "100", strings.TrimPrefix(good, "sha256="), ErrBadSignature},
		{"not hex", secret, "100", "sha256=zz", ErrBadSignature},
		{"truncated", secret, "100", good[:len(good)-2], ErrBadSignature},
		{"uppercase hex still verifies", secret, "100", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), nil},
	}
	for _, c := range cases {
		if err := Verify(c.key, c.ts, body, c.sig, now, time.Minute); !errors.Is(err, c.wantErr) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.wantErr)
		}
	}
	if got := Sign(secret, "100", []byte(body)); got != good {
		t.Errorf("Sign = %q, want %q", got, good)
	}
}

func TestSendClassifiesResponses(t *testing.T) {
	cases := []struct {
		status     int
		retryAfter string
		ok         bool
		retryable  bool
		wait       time.Duration
	}{
		{200, "", true, false, 0},
		{202, "", true, false, 0},
		{400, "", false, false, 0},
		{401, "", false, false, 0},
		{404, "", false, false, 0},
		{410, "", false, false, 0},
		{408, "", false, true, 0},
		{429, "7", false, true, 7 * time.Second},
		{500, "", false, true, 0},
		{502, "", false, true, 0},
		{503, "Sun, 01 Mar 2026 12:01:00 GMT", false, true, time.Minute},
	}
	for _, c := range cases {
		srv, _ := receiver(t, func(w http.ResponseWriter) {
			if c.retryAfter != "" {
				w.Header().Set("Retry-After", c.retryAfter)
			}
			w.WriteHeader(c.status)
			io.WriteString(w, "receiver says no")
		})
		_, err := New(Config{}, srv.Client(), clock).Send(context.Background(), page(srv.URL))
		if c.ok {
			if err != nil {
				t.Errorf("status %d: Send = %v, want success", c.status, err)
			}
			continue
		}
		var de *notify.DeliveryError
		if !errors.As(err, &de) {
			t.Fatalf("status %d: error %v is not a *notify.DeliveryError", c.status, err)
		}
		if de.Status != c.status || notify.IsRetryable(err) != c.retryable || notify.RetryAfter(err) != c.wait {
			t.Errorf("status %d: got status=%d retryable=%v retryAfter=%s; want retryable=%v retryAfter=%s",
				c.status, de.Status, notify.IsRetryable(err), notify.RetryAfter(err), c.retryable, c.wait)
		}
		if notify.ResponseOf(err) != "receiver says no" || strings.Contains(err.Error(), "receiver says no") {
			t.Errorf("status %d: error %q, response %q: the body belongs in Response only", c.status, err, notify.ResponseOf(err))
		}
	}
}

func TestSendFailuresBeforeAnyResponse(t *testing.T) {
	// A receiver that is down is retried, and the URL (which may carry a
	// token) is not echoed into the delivery history.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook?token=topsecret"
	srv.Close()
	_, err := New(Config{}, loopbackClient(), clock).Send(context.Background(), page(url))
	if err == nil || !notify.IsRetryable(err) {
		t.Errorf("receiver down: err=%v, want retryable", err)
	}
	if err != nil && strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error leaks the URL: %v", err)
	}

	// A receiver slower than the context deadline is retried too.
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = New(Config{}, slow.Client(), clock).Send(ctx, page(slow.URL))
	if err == nil || !notify.IsRetryable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow receiver: err=%v, want retryable deadline exceeded", err)
	}

	// Configuration problems are permanent and make no request.
	m := page("http://127.0.0.1:1/hook")
	m.Secret = ""
	if _, err := New(Config{}, nil, clock).Send(context.Background(), m); !errors.Is(err, ErrNoSecret) || notify.IsRetryable(err) {
		t.Errorf("no secret: err=%v, want permanent ErrNoSecret", err)
	}
	for _, dest := range []string{"", "ftp://example.com/x", "/relative", "http://"} {
		if _, err := New(Config{}, nil, clock).Send(context.Background(), page(dest)); err == nil || notify.IsRetryable(err) {
			t.Errorf("destination %q: err=%v, want permanent", dest, err)
		}
	}
}

func TestPayloadWithoutFields(t *testing.T) {
	m := notify.Message{ID: "m", Kind: notify.KindUpdate, Text: "resolved"}
	b, err := EncodePayload(NewPayload(m, time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600))))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"m","kind":"update","incident_id":"","alert_id":"","subject":"","text":"resolved","fields":[],"ack_url":"","sent_at":"2026-01-02T02:04:05Z"}`
	if string(b) != want {
		t.Errorf("payload =\n%s\nwant\n%s", b, want)
	}
}

func TestChannel(t *testing.T) {
	var n notify.Notifier = New(Config{}, nil, nil)
	if n.Channel() != "webhook" || notify.Queue(n.Channel()) != notify.QueuePage {
		t.Errorf("Channel = %q", n.Channel())
	}
}

// loopbackClient is the guarded client with 127.0.0.0/8 allowed, as the
// tests' receivers listen there.
func loopbackClient() *http.Client {
	return outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(0)
}

// mapResolver resolves names to fixed addresses.
type mapResolver map[string]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, errors.New("no such host")
}

// A destination a user set that is, or resolves to, a loopback address is
// refused when dialed, permanently, and the receiver sees nothing: the
// default client is guarded. An admin's destination (Config.Trusted) is
// not.
func TestSendRefusesUserDestinationsOnInternalAddresses(t *testing.T) {
	srv, requests := receiver(t, func(w http.ResponseWriter) { io.WriteString(w, "internal admin data") })
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	_, err := New(Config{}, nil, clock).Send(context.Background(), page(srv.URL+"/internal/admin"))
	if err == nil || notify.IsRetryable(err) || !outbound.IsBlocked(err) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("IP literal: err=%v, want a permanent refusal naming loopback", err)
	}

	// The name passes any create-time check; it resolves to 127.0.0.1
	// only when the page is sent.
	guard := outbound.Policy{Resolver: mapResolver{"hooks.example.test": netip.MustParseAddr("127.0.0.1")}}
	dest := "http://hooks.example.test:" + strconv.Itoa(port) + "/internal/admin"
	if err := guard.CheckURL(dest); err != nil {
		t.Fatal(err)
	}
	_, err = New(Config{}, guard.Client(0), clock).Send(context.Background(), page(dest))
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "hooks.example.test resolves to 127.0.0.1") {
		t.Fatalf("name resolving to loopback: err=%v, want a permanent refusal", err)
	}
	if n := len(requests()); n != 0 {
		t.Fatalf("the internal receiver got %d requests", n)
	}

	// The same address configured by an admin is reached.
	n := New(Config{Trusted: []string{srv.URL + "/announce"}}, nil, clock)
	if _, err := n.Send(context.Background(), page(srv.URL+"/announce")); err != nil {
		t.Fatalf("trusted destination: %v", err)
	}
	if got := requests(); len(got) != 1 || got[0].path != "/announce" {
		t.Fatalf("requests %+v, want one to /announce", got)
	}
}

// A redirect is not followed, even to an allowed address: it is a
// permanent failure that says so.
func TestSendDoesNotFollowRedirects(t *testing.T) {
	target, hits := receiver(t, func(w http.ResponseWriter) {})
	redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/internal", http.StatusTemporaryRedirect))
	defer redirect.Close()
	_, err := New(Config{}, loopbackClient(), clock).Send(context.Background(), page(redirect.URL))
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "HTTP 307") || len(hits()) != 0 {
		t.Fatalf("err=%v, %d requests to the redirect's target; want a permanent 307 and none", err, len(hits()))
	}
}
