package paging_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read rows raw

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/outbound"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
)

// rawMessageRows returns every column of every stored message as text,
// read with a connection of its own, as someone with a copy of the
// database would.
func rawMessageRows(t *testing.T, w *world) []string {
	t.Helper()
	driver, dsn := "pgx", w.dsn
	if path, ok := strings.CutPrefix(w.dsn, "sqlite:"); ok {
		driver, dsn = "sqlite", path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if by, ok := v.([]byte); ok {
				v = string(by)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A message row keeps no credential: neither the webhook signing secret
// nor the page's ack link (valid for a day) is stored. Both are made when
// the message is sent, so a page retried after a failure, and a page sent
// again under its ID by another process after the first died holding it,
// still carry a valid signature (the receiver verifies it) and an ack
// link that acknowledges the alert as the person paged.
func TestMessagesKeepNoCredentialsAndResendsCarryValidOnes(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		hook := newFlakyHook(t, w, hookAnswer{status: http.StatusServiceUnavailable, body: "deploying"})
		p1 := w.start("proc-1")
		who := p1.people()
		p1.reach(who.ada, contactRule{warroom.ContactWebhook, hook.url("/ada"), 0})
		_, in := p1.service("checkout", p1.policy("primary", 0, time.Hour, users(who.ada)))
		alertID := p1.alert(in, "trigger", "fp-1", "warning", "Checkout slow")

		// proc-1 stores ada's page claimed for itself and dies before
		// sending it.
		p1.runJobsUntilIdle()
		rows := rawMessageRows(t, w)
		if len(rows) != 1 {
			t.Fatalf("%d message rows, want ada's page:\n%s", len(rows), strings.Join(rows, "\n"))
		}
		for _, r := range rows {
			if strings.Contains(r, hookSecret) || strings.Contains(r, "/ack/") {
				t.Fatalf("a message row holds a credential:\n%s", r)
			}
		}
		id := p1.messages("", alertID)[0].ID
		p1.crash()

		// proc-2 takes it over once the lease ends: the receiver answers
		// 503 the first time, then accepts the retry.
		p2 := w.start("proc-2")
		w.clock.Advance(3 * time.Minute)
		p2.drain()
		if n := hook.triesOf(id); n != 1 {
			t.Fatalf("the page was tried %d times after the takeover, want 1", n)
		}
		w.clock.Advance(notify.DefaultBackoffMax)
		p2.drain()
		got := w.hook.to("/ada") // what the verifying receiver accepted
		if len(got) != 1 || got[0].ID != id || hook.triesOf(id) != 2 {
			t.Fatalf("ada's page: %d accepted, %d tries; want the retry accepted", len(got), hook.triesOf(id))
		}
		tok, err := p2.pager.ParseAckToken(ackToken(t, got[0].AckURL), w.clock.Now())
		if err != nil || tok.AlertID != alertID || tok.UserID != who.ada.ID {
			t.Fatalf("the retried page's ack link: %+v, %v", tok, err)
		}
		if !tok.Expires.After(w.clock.Now().Add(23 * time.Hour)) {
			t.Errorf("the ack link of a page sent now expires at %s, want a day from now", tok.Expires)
		}
		for _, r := range rawMessageRows(t, w) {
			if strings.Contains(r, hookSecret) || strings.Contains(r, "/ack/") {
				t.Fatalf("a message row holds a credential after sending:\n%s", r)
			}
		}
	})
}

// mapResolver resolves names to fixed addresses, as DNS would once a
// name was pointed somewhere else.
type mapResolver map[string]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, fmt.Errorf("no such host %s", host)
}

// A responder's webhook names a host that resolves to 127.0.0.1 when the
// page is sent (it passed the create-time check: it is a name). The
// sender's guarded transport refuses the connection: nothing reaches the
// service listening there, the page fails at once (retrying reaches the
// same address), and its history says why. An announcement webhook the
// admin configured on the same loopback server goes out.
func TestUserWebhookResolvingToLoopbackRefusedWhenDialed(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		port := w.hook.srv.Listener.Addr().(*net.TCPAddr).Port
		guard := outbound.Policy{Resolver: mapResolver{"pager.example.test": netip.MustParseAddr("127.0.0.1")}}
		dest := "http://pager.example.test:" + strconv.Itoa(port) + "/ada"
		if err := guard.CheckURL(dest); err != nil {
			t.Fatal(err)
		}
		announce := w.hook.url("/announce")
		p := w.start("proc-1", func(c *paging.Config) {
			c.Announce = []paging.Destination{{Channel: notify.ChannelWebhook, Address: announce, Secret: hookSecret}}
			reg, err := notify.NewRegistry(webhook.New(webhook.Config{Trusted: []string{announce}}, guard.Client(0), w.clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			c.Notifiers = reg
		})
		who := p.people()
		p.reach(who.ada, contactRule{warroom.ContactWebhook, dest, 0})
		_, in := p.service("checkout", p.policy("primary", 0, time.Hour, users(who.ada)))
		alert := p.alert(in, "trigger", "fp-1", "critical", "Checkout down")
		p.drain()

		m := onlyPage(t, p, alert, dest)
		as := history(t, p, m.ID)
		const why = "pager.example.test resolves to 127.0.0.1, a loopback address; destinations set by users may not reach it"
		if m.State != notify.StateFailed || m.Attempts != 1 || outcomes(as) != "failed" || !strings.Contains(m.LastError, why) {
			t.Fatalf("ada's page: state %s, attempts %d, history %s, last error %q; want failed once saying %q",
				m.State, m.Attempts, outcomes(as), m.LastError, why)
		}
		if n := len(w.hook.to("/ada")); n != 0 {
			t.Fatalf("the loopback service got %d requests from a user's webhook", n)
		}
		if n := len(w.hook.to("/announce")); n != 1 {
			t.Fatalf("the admin's announcement webhook got %d requests, want 1", n)
		}
	})
}
