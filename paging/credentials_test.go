package paging_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read rows raw

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
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
		for {
			n, err := p1.runJobs()
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
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
