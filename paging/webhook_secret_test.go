package paging_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// A person's webhook contact method on a server without the webhook
// secret (started without it, or restarted without it after the contact
// was made): their page is not dropped with a line in the log, it is a
// message in the alert's delivery history, failed at once and saying
// which setting is missing. Their other contact methods are paged as
// usual. A page stored while the server had the secret and sent after it
// lost it fails the same way.
func TestWebhookPageWithoutSecretFailsVisibly(t *testing.T) {
	noSecret := func(c *paging.Config) { c.WebhookSecret = "" }
	wantFailed := func(t *testing.T, p *proc, m *notify.Outbox) {
		t.Helper()
		as := history(t, p, m.ID)
		// (A page taken over from a dead process has its lease's end
		// as a retry first.)
		if m.State != notify.StateFailed || !strings.HasSuffix(outcomes(as), "failed") || strings.Count(outcomes(as), "failed") != 1 ||
			!strings.Contains(m.LastError, paging.NoWebhookSecret) {
			t.Fatalf("the webhook page: state %s, history %s, last error %q; want failed once saying %q",
				m.State, outcomes(as), m.LastError, paging.NoWebhookSecret)
		}
	}
	t.Run("paged on a server without the secret", func(t *testing.T) {
		eachDB(t, func(t *testing.T, w *world) {
			p := w.start("proc-1", noSecret)
			who := p.people()
			hook := w.hook.url("/ada")
			p.reach(who.ada, contactRule{warroom.ContactWebhook, hook, 0}, contactRule{warroom.ContactEmail, "ada@example.com", 0})
			_, in := p.service("checkout", p.policy("primary", 0, time.Hour, users(who.ada)))
			alert := p.alert(in, "trigger", "fp-1", "warning", "Checkout slow")
			p.drain()

			wantFailed(t, p, onlyPage(t, p, alert, hook))
			if n := len(w.hook.to("/ada")); n != 0 {
				t.Fatalf("the receiver got %d unsigned pages", n)
			}
			if m := onlyPage(t, p, alert, "ada@example.com"); m.State != notify.StateSent {
				t.Fatalf("ada's email page is %s, want sent: one contact method she cannot be reached by must not stop the others", m.State)
			}
		})
	})
	t.Run("stored with the secret, sent without", func(t *testing.T) {
		eachDB(t, func(t *testing.T, w *world) {
			p1 := w.start("proc-1")
			who := p1.people()
			hook := w.hook.url("/ada")
			p1.reach(who.ada, contactRule{warroom.ContactWebhook, hook, 0})
			_, in := p1.service("checkout", p1.policy("primary", 0, time.Hour, users(who.ada)))
			alert := p1.alert(in, "trigger", "fp-1", "warning", "Checkout slow")
			p1.runJobsUntilIdle() // proc-1 stores ada's page claimed for itself, and dies
			p1.crash()

			p2 := w.start("proc-2", noSecret)
			w.clock.Advance(3 * time.Minute) // proc-1's lease ends
			p2.drain()
			wantFailed(t, p2, onlyPage(t, p2, alert, hook))
			if n := len(w.hook.to("/ada")); n != 0 {
				t.Fatalf("the receiver got %d unsigned pages", n)
			}
		})
	})
}
