package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/outbound"
	"github.com/warroom/warroom/notify/webhook"
)

// loopbackAllowed is the outbound guard with 127.0.0.0/8 opened, as
// --outbound-allow=127.0.0.0/8 would: the tests' receivers listen there.
var loopbackAllowed = outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// envOnStore is newEnvOn on a fresh SQLite file or PostgreSQL schema.
func envOnStore(t *testing.T, db string) *env {
	t.Helper()
	return newEnvOn(t, storeDSN(t, db), nil)
}

// A responder's webhook contact method that names a loopback, private,
// link-local or metadata address is refused when created, with a 400
// that says why, and nothing is stored; an admin setting the same for
// someone is refused too (contact methods are the users' own, and the
// notifier would refuse them when it dials). The ranges an admin opens
// are accepted.
func TestWebhookContactToInternalAddressRefusedAtCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := envOnStore(t, db)
		for _, addr := range []string{"http://127.0.0.1:8080/internal/admin", "http://localhost:9090/", "http://[::1]/x",
			"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
			"http://100.64.0.1/", "http://0.0.0.0:8080/", "http://[fc00::1]/", "http://[::ffff:127.0.0.1]/"} {
			for _, who := range []string{"ada", "root"} {
				r := e.do(who, "POST", "/api/v1/users/ada/contact-methods", map[string]string{"channel": "webhook", "address": addr})
				msg := wantErr(t, r, 400, warroom.EInvalid, "address")
				if !strings.Contains(msg, "may not reach") || !strings.Contains(msg, "--outbound-allow") {
					t.Errorf("%s by %s: %q does not say why or what an admin can do", addr, who, msg)
				}
			}
		}
		var list contactList
		if list = ok[contactList](t, e.do("ada", "GET", "/api/v1/users/ada/contact-methods", nil), 200); len(list.ContactMethods) != 0 {
			t.Fatalf("refused contact methods were stored: %+v", list.ContactMethods)
		}
		// A name is accepted: it is checked each time it is dialed.
		ok[warroom.ContactMethod](t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods",
			map[string]string{"channel": "webhook", "address": "https://hooks.example.com/ada"}), 201)
		// An opened range is accepted.
		e.api.outbound = loopbackAllowed
		ok[warroom.ContactMethod](t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods",
			map[string]string{"channel": "webhook", "address": "http://127.0.0.1:8080/hook"}), 201)
	})
}

// A receiver's answer is shown to admins only: a responder who pointed a
// webhook at a service that answers 500 with a page of its own sees the
// status and its reason, not the page; an admin sees both.
func TestReceiverAnswerShownOnlyToAdmins(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := envOnStore(t, db)
		const secretPage = "internal admin panel: root:x:0:0 db-password=hunter2"
		var hits atomic.Int32
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			hits.Add(1)
			http.Error(w, secretPage, http.StatusInternalServerError)
		}))
		defer recv.Close()
		e.api.outbound = loopbackAllowed
		notifiers := append(recorders(&sentLog{})[:3], webhook.New(webhook.Config{}, loopbackAllowed.Client(0), e.clock.Now))
		p := withPaging(t, e, &sentLog{}, notifiers, nil)
		ctx := context.Background()
		p.service = &warroom.Service{Slug: "checkout", Name: "Checkout", CreatedAt: epoch}
		if err := e.store.CreateService(ctx, p.service); err != nil {
			t.Fatal(err)
		}
		ok[newIntegration](t, e.do("root", "POST", "/api/v1/services/checkout/integrations",
			map[string]string{"kind": string(warroom.IntegrationWebhook), "name": "generic", "key": genericKey}), 201)
		hook := ok[warroom.ContactMethod](t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods",
			map[string]string{"channel": "webhook", "address": recv.URL + "/internal/admin"}), 201)
		ok[ruleList](t, e.do("ada", "PUT", "/api/v1/users/ada/notification-rules", map[string]any{"rules": []map[string]any{{"contact_method_id": hook.ID, "delay": "0s"}}}), 200)
		ok[warroom.EscalationPolicy](t, e.do("root", "POST", "/api/v1/escalation-policies", map[string]any{"name": "ada-first", "steps": []map[string]any{
			{"targets": []map[string]string{{"type": "user", "id": "ada"}}, "delay": "5m"}}}), 201)
		ok[warroom.ServicePaging](t, e.do("root", "PUT", "/api/v1/services/checkout/paging", map[string]any{"escalation_policy": "ada-first"}), 200)

		a := p.fire("api-5xx", "API 5xx above 5%", "warning")
		p.runJobs()
		if _, err := p.pager.Sender().SendDue(ctx, notify.QueuePage); err != nil {
			t.Fatal(err)
		}
		if hits.Load() != 1 {
			t.Fatalf("the receiver got %d requests, want 1", hits.Load())
		}
		for _, who := range []string{"ada", "bob", "vic"} {
			r := e.do(who, "GET", "/api/v1/alerts/"+a.ID+"/messages", nil)
			if strings.Contains(string(r.Body), "hunter2") || strings.Contains(string(r.Body), "admin panel") {
				t.Fatalf("%s sees the receiver's answer: %s", who, r.Body)
			}
			l := ok[messageList](t, r, 200)
			if len(l.Messages) != 1 || !strings.Contains(l.Messages[0].LastError, "HTTP 500 Internal Server Error") ||
				len(l.Messages[0].History) != 1 || !strings.Contains(l.Messages[0].History[0].Detail, "HTTP 500 Internal Server Error") {
				t.Fatalf("%s sees %+v, want the status and its reason", who, l.Messages)
			}
		}
		l := ok[messageList](t, e.do("root", "GET", "/api/v1/alerts/"+a.ID+"/messages", nil), 200)
		if len(l.Messages) != 1 || l.Messages[0].LastResponse != secretPage || l.Messages[0].History[0].Response != secretPage ||
			!strings.Contains(l.Messages[0].LastError, "HTTP 500 Internal Server Error") {
			t.Fatalf("the admin sees %+v, want the receiver's answer too", l.Messages)
		}
	})
}
