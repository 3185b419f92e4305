package comms

import (
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/sqlstore"
)

// TestCustomerUpdateEmail sends a customer update about an incident on a
// service two customers use and a third does not: each affected
// customer's contacts get one email with their manager in copy, at a
// test SMTP server; the other customer gets nothing; running the fan-out
// and the deliveries again sends nothing twice. A shared Slack channel
// without a Slack notifier fails visibly in the deliveries.
func TestCustomerUpdateEmail(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		smtp := smtptest.New(t, smtptest.Config{})
		e := newEnv(t, open(t), smtp.Addr())
		svc := &warroom.Service{Slug: "checkout", Name: "Checkout"}
		if err := e.store.CreateService(e.ctx, svc); err != nil {
			t.Fatal(err)
		}
		other := &warroom.Service{Slug: "search", Name: "Search"}
		if err := e.store.CreateService(e.ctx, other); err != nil {
			t.Fatal(err)
		}
		admin := warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
		for _, in := range []CustomerInput{
			{Name: "Acme", Contacts: []warroom.CustomerContact{{Name: "Wile", Email: "wile@acme.test"}, {Email: "ops@acme.test"}},
				ManagerName: "Mia", ManagerEmail: "mia@example.com", SlackChannel: "C0ACME0001", Services: []string{"checkout"}},
			{Name: "Globex", Contacts: []warroom.CustomerContact{{Email: "hank@globex.test"}}, ManagerEmail: "max@example.com",
				Services: []string{"checkout", "search"}},
			{Name: "Initech", Contacts: []warroom.CustomerContact{{Email: "bill@initech.test"}}, ManagerEmail: "mia@example.com",
				Services: []string{"search"}},
		} {
			if _, err := e.svc.CreateCustomer(e.ctx, admin, in); err != nil {
				t.Fatal(err)
			}
		}
		inc := e.declare("ada", warroom.Declaration{Title: "checkout down", Severity: warroom.SEV2,
			Impact: warroom.Impact{CustomerImpact: true, ServiceIDs: []string{"checkout"}}})
		e.at(0)
		u, err := e.svc.SendUpdate(e.ctx, e.actor("ada"), inc.Ref, UpdateInput{Audience: warroom.AudienceCustomers,
			Subject: "Checkout incident", Body: "Checkout fails for 20% of requests. We are rolling back."}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		e.at(0)
		// Run everything again, as after a crash before completion.
		for range 2 {
			if _, err := e.svc.fanout(e.ctx, newJob(KindFanout, "", e.clock.Now(), UpdatePayload{UpdateID: u.ID}), e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			ds, err := e.store.ListDeliveries(e.ctx, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if _, err := e.svc.deliver(e.ctx, newJob(KindDeliver, "", e.clock.Now(), DeliveryPayload{DeliveryID: d.ID}), e.clock.Now()); err != nil && d.Channel == warroom.DeliveryEmail {
					t.Fatal(err)
				}
			}
			e.run()
		}

		sessions := smtp.Sessions()
		if len(sessions) != 2 {
			t.Fatalf("%d emails, want 2 (Acme, Globex): %+v", len(sessions), sessions)
		}
		byRcpt := map[string]smtptest.Session{}
		for _, s := range sessions {
			byRcpt[strings.Join(s.Rcpts, " ")] = s
		}
		acme, ok := byRcpt["RCPT TO:<wile@acme.test> RCPT TO:<ops@acme.test> RCPT TO:<mia@example.com>"]
		if !ok {
			t.Fatalf("no email to Acme's contacts and manager: %v", byRcpt)
		}
		for _, want := range []string{"To: <wile@acme.test>, <ops@acme.test>", "Cc: <mia@example.com>", "Subject: Checkout incident", "rolling back"} {
			if !strings.Contains(acme.Data, want) && !strings.Contains(strings.ReplaceAll(acme.Data, "=\r\n", ""), want) {
				t.Errorf("Acme's email lacks %q:\n%s", want, acme.Data)
			}
		}
		if _, ok := byRcpt["RCPT TO:<hank@globex.test> RCPT TO:<max@example.com>"]; !ok {
			t.Errorf("no email to Globex with its manager in copy: %v", byRcpt)
		}
		ds, err := e.store.ListDeliveries(e.ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, d := range ds {
			states[d.Channel+":"+strings.Join(d.To, ",")] = d.State + " " + d.LastError
		}
		if len(ds) != 3 || !strings.HasPrefix(states["slack:C0ACME0001"], "failed") ||
			!strings.HasPrefix(states["email:hank@globex.test"], "sent") {
			t.Errorf("deliveries %v", states)
		}
	})
}
