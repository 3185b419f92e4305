package statuspage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/sqlstore"
)

type mailMsg struct {
	to, subject, body string
	header            mail.Header
}

func mails(t *testing.T, smtp *smtptest.Server) []mailMsg {
	t.Helper()
	var out []mailMsg
	for _, raw := range smtp.Messages() {
		m, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mailMsg{to: m.Header.Get("To"), subject: m.Header.Get("Subject"), body: string(b), header: m.Header})
	}
	return out
}

var linkRe = regexp.MustCompile(`(Confirm|Unsubscribe): (\S+)`)

func link(t *testing.T, m mailMsg, kind string) string {
	t.Helper()
	for _, g := range linkRe.FindAllStringSubmatch(m.body, -1) {
		if g[1] == kind {
			return g[2]
		}
	}
	t.Fatalf("no %s link in %q", kind, m.body)
	return ""
}

// pathOf turns a link into the path the test server answers.
func pathOf(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// TestEmailSubscriber: a subscription by the public form gets the
// confirmation first and nothing else until it is confirmed (an update
// meanwhile is not sent to it); once confirmed, each customer update
// arrives once, with a one-click unsubscribe link and List-Unsubscribe
// headers; a link for another address or purpose is refused; after
// unsubscribing nothing more arrives.
func TestEmailSubscriber(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		smtp := smtptest.New(t, smtptest.Config{})
		e := newEnv(t, open(t), envOpts{smtpAddr: smtp.Addr()})
		db := e.service("database")
		e.service("search")
		api := e.component("API", "", "database")
		search := e.component("Search", "", "search")
		inc := e.declare("ada", warroom.Declaration{Title: "db oom", Severity: warroom.SEV2,
			Impact: warroom.Impact{CustomerImpact: true, ServiceIDs: []string{db.ID}}})

		if code, body := e.post("/status/subscribe", url.Values{"email": {"wile@acme.test"}, "component": {api.ID}}); code != 200 || !strings.Contains(body, "Check your inbox") {
			t.Fatalf("subscribe: %d %s", code, body)
		}
		// Only wants Search: gets nothing about the API.
		if code, _ := e.post("/status/subscribe", url.Values{"email": {"road@acme.test"}, "component": {search.ID}}); code != 200 {
			t.Fatal(code)
		}
		e.run()
		ms := mails(t, smtp)
		if len(ms) != 2 || !strings.Contains(ms[0].subject, "Confirm") {
			t.Fatalf("want the two confirmations first, got %+v", ms)
		}
		e.publish("ada", inc.Ref, "Slow API")
		e.customerUpdate("ada", inc.Ref, "First update")
		if n := len(mails(t, smtp)); n != 2 {
			t.Fatalf("mail sent before confirmation: %d", n)
		}
		if strings.Contains(ms[0].to, "road@") {
			ms[0], ms[1] = ms[1], ms[0]
		}
		confirm := link(t, ms[0], "Confirm")
		// Another address's link, or the unsubscribe token used to confirm: refused.
		u, _ := url.Parse(confirm)
		q := u.Query()
		other := link(t, ms[1], "Confirm")
		ou, _ := url.Parse(other)
		forged := "/status/confirm?" + url.Values{"s": {ou.Query().Get("s")}, "t": {q.Get("t")}}.Encode()
		if code, _ := e.post(forged, nil); code != 404 {
			t.Errorf("a token replayed for another address: %d", code)
		}
		if code, _ := e.post("/status/confirm?"+url.Values{"s": {q.Get("s")}, "t": {q.Get("t") + "x"}}.Encode(), nil); code != 404 {
			t.Errorf("a tampered token: %d", code)
		}
		// Following the link shows a button and confirms nothing (mail
		// scanners follow links); the button confirms.
		if code, body := e.get(pathOf(t, confirm)); code != 200 || !strings.Contains(body, `<form method="post"`) {
			t.Fatalf("confirm page: %d %s", code, body)
		}
		if subs, _ := e.store.ListSubscribers(e.ctx, true); len(subs) != 0 {
			t.Fatalf("confirmed by a GET: %+v", subs)
		}
		if code, body := e.post(pathOf(t, confirm), nil); code != 200 || !strings.Contains(body, "confirmed") {
			t.Fatalf("confirm: %d %s", code, body)
		}
		e.customerUpdate("ada", inc.Ref, "Second update: fix deployed")
		e.run()
		ms = mails(t, smtp)
		if len(ms) != 3 {
			ds, _ := e.store.ListStatusDeliveries(e.ctx, "")
			subs, _ := e.store.ListSubscribers(e.ctx, false)
			for _, s := range subs {
				t.Logf("sub %+v", s)
			}
			for _, d := range ds {
				t.Logf("%+v", d)
			}
			t.Fatalf("want 3 mails, got %d", len(ms))
		}
		upd := ms[2]
		if upd.to != "<wile@acme.test>" && upd.to != "wile@acme.test" {
			t.Errorf("to %q", upd.to)
		}
		if !strings.Contains(upd.subject, "Slow API") || !strings.Contains(upd.body, "Second update: fix deployed") {
			t.Errorf("update mail %q %q", upd.subject, upd.body)
		}
		unsub := link(t, upd, "Unsubscribe")
		if h := upd.header.Get("List-Unsubscribe"); h != "<"+unsub+">" || upd.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe %q, link %q", h, unsub)
		}
		// The fan-out and sending again send nothing twice.
		n, err := e.svc.Fanout(e.ctx, Notice{Key: "update:x"}, e.clock.Now())
		if err != nil || n != 1 {
			t.Fatalf("fanout %d %v", n, err)
		}
		if n, _ := e.svc.Fanout(e.ctx, Notice{Key: "update:x"}, e.clock.Now()); n != 0 {
			t.Errorf("second fan-out added %d rows", n)
		}
		e.run()
		if len(mails(t, smtp)) != 4 {
			t.Fatalf("want 4 mails")
		}
		// The GET shows a button and changes nothing; the POST unsubscribes.
		if code, body := e.get(pathOf(t, unsub)); code != 200 || !strings.Contains(body, "<form method=\"post\"") {
			t.Fatalf("unsubscribe page %d %s", code, body)
		}
		if code, _ := e.post(pathOf(t, unsub), url.Values{"List-Unsubscribe": {"One-Click"}}); code != 200 {
			t.Fatalf("unsubscribe %d", code)
		}
		e.customerUpdate("ada", inc.Ref, "Third update")
		e.run()
		if ms := mails(t, smtp); len(ms) != 4 {
			t.Errorf("mail after unsubscribing: %+v", ms[4:])
		}
		if code, _ := e.post(pathOf(t, unsub), nil); code != 404 {
			t.Errorf("second unsubscribe: %d", code)
		}
	})
}

// TestWebhookSubscriber: an admin's webhook subscriber gets each notice
// POSTed with the HMAC-SHA256 signature of warroom's pages under its
// secret; a 500 is retried with backoff, and the notice arrives once
// delivered; after removal nothing more is sent.
func TestWebhookSubscriber(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		var mu sync.Mutex
		var bodies []string
		fail := 1
		var secret string
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if fail > 0 {
				fail--
				w.WriteHeader(500)
				return
			}
			ts := r.Header.Get("X-Warroom-Timestamp")
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(ts + "." + string(b)))
			if r.Header.Get("X-Warroom-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
				w.WriteHeader(401)
				return
			}
			bodies = append(bodies, string(b))
		}))
		defer hook.Close()
		e := newEnv(t, open(t), envOpts{})
		db := e.service("database")
		e.component("API", "", "database")
		if _, err := e.svc.AddWebhook(e.ctx, e.actor("ada"), WebhookInput{URL: hook.URL}); warroom.ErrorCode(err) != warroom.EForbidden {
			t.Errorf("a responder added a webhook: %v", err)
		}
		if _, err := e.svc.AddWebhook(e.ctx, e.admin, WebhookInput{URL: "ftp://x"}); warroom.ErrorCode(err) != warroom.EInvalid {
			t.Errorf("ftp webhook: %v", err)
		}
		w, err := e.svc.AddWebhook(e.ctx, e.admin, WebhookInput{URL: hook.URL + "/status"})
		if err != nil {
			t.Fatal(err)
		}
		secret = w.Secret
		inc := e.declare("ada", warroom.Declaration{Title: "db oom", Severity: warroom.SEV2,
			Impact: warroom.Impact{CustomerImpact: true, ServiceIDs: []string{db.ID}}})
		e.publish("ada", inc.Ref, "Slow API")
		e.customerUpdate("ada", inc.Ref, "We are on it")
		// The first try failed (500): retried after its backoff.
		e.at(e.clock.Now().Add(10 * time.Minute))
		mu.Lock()
		got := append([]string(nil), bodies...)
		mu.Unlock()
		if len(got) != 2 {
			t.Fatalf("want the publication and the update once each, got %d: %v", len(got), got)
		}
		found := false
		for _, b := range got {
			var p webhook.Payload
			if err := json.Unmarshal([]byte(b), &p); err != nil {
				t.Fatal(err)
			}
			found = found || (strings.Contains(p.Subject, "Slow API") && strings.Contains(p.Text, "We are on it"))
		}
		if !found {
			t.Errorf("no update among %v", got)
		}
		if err := e.svc.RemoveSubscriber(e.ctx, e.admin, w.ID); err != nil {
			t.Fatal(err)
		}
		e.customerUpdate("ada", inc.Ref, "More")
		e.at(e.clock.Now().Add(time.Hour))
		mu.Lock()
		defer mu.Unlock()
		if len(bodies) != 2 {
			t.Errorf("sent after removal: %d", len(bodies))
		}
	})
}

// TestSubscribeRefusals: malformed addresses and unknown components are
// refused with a clear message and what was typed kept (escaped); the
// limits per address and per network answer 429.
func TestSubscribeRefusals(t *testing.T) {
	e := newEnv(t, openSQLite(t), envOpts{})
	e.component("API", "")
	for _, bad := range []string{"", "not-an-address", "a@b", "Wile <wile@acme.test>", "wile@acme.test, road@acme.test", "<script>alert(1)</script>@x.test"} {
		code, body := e.post("/status/subscribe", url.Values{"email": {bad}})
		if code != 400 || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%q: %d", bad, code)
		}
		if strings.Contains(body, "<script>alert(1)") {
			t.Errorf("%q shown unescaped", bad)
		}
	}
	code, body := e.post("/status/subscribe", url.Values{"email": {"wile@acme.test"}, "component": {"nope"}})
	if code != 400 || !strings.Contains(body, "unknown component") {
		t.Errorf("unknown component: %d %s", code, body)
	}
	for i := range 3 {
		if code, _ := e.post("/status/subscribe", url.Values{"email": {"wile@acme.test"}}); code != 200 {
			t.Fatalf("subscription %d: %d", i, code)
		}
	}
	if code, body := e.post("/status/subscribe", url.Values{"email": {"wile@acme.test"}}); code != 429 || !strings.Contains(body, "this address") {
		t.Errorf("fourth for one address: %d", code)
	}
	// The network (/24 of 127.0.0.1): 3 used above, 17 more, then refused.
	for i := range 17 {
		if code, _ := e.post("/status/subscribe", url.Values{"email": {"user" + string(rune('a'+i)) + "@acme.test"}}); code != 200 {
			t.Fatalf("subscription %d: %d", i, code)
		}
	}
	if code, body := e.post("/status/subscribe", url.Values{"email": {"last@acme.test"}}); code != 429 || !strings.Contains(body, "network") {
		t.Errorf("past the network limit: %d", code)
	}
	// An hour later the window has passed.
	e.clock.Set(e.clock.Now().Add(61 * time.Minute))
	if code, _ := e.post("/status/subscribe", url.Values{"email": {"last@acme.test"}}); code != 200 {
		t.Errorf("after the window: %d", code)
	}
}
