package paging_test

import (
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// TestSendTestNotification: a test notification goes out by the contact
// method chosen, at once and only there, through the real notifier; a
// method of someone else, or a channel this server cannot send by, is
// refused before anything is stored.
func TestSendTestNotification(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("a")
	cast := p.people()
	p.reach(cast.ada, contactRule{warroom.ContactEmail, "ada@pager.example.com", 0},
		contactRule{warroom.ContactSlack, "U0ADA", 0})
	methods, err := p.store.ListContactMethods(w.ctx, cast.ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	var mail *warroom.ContactMethod
	for _, m := range methods {
		if m.Channel == warroom.ContactEmail {
			mail = m
		}
	}
	msg, err := p.pager.SendTestNotification(w.ctx, cast.ada, mail.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Kind != notify.KindUpdate || msg.Destination != "ada@pager.example.com" || msg.UserID != cast.ada.ID {
		t.Fatalf("message %+v", msg)
	}
	p.drain()
	got := w.smtp.received()
	if len(got) != 1 || got[0].Subject != "warroom test notification" || !strings.Contains(got[0].To, "ada@pager.example.com") || !strings.Contains(got[0].Body, "test of your email contact method") {
		t.Fatalf("mail received: %+v", got)
	}
	if posts := w.slack.received(); len(posts) != 0 {
		t.Fatalf("slack got %d posts; the test goes by the chosen method only", len(posts))
	}

	if _, err := p.pager.SendTestNotification(w.ctx, cast.bob, mail.ID); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("bob sending by ada's method: %v, want not found", err)
	}
	hook := &warroom.ContactMethod{UserID: cast.bob.ID, Channel: warroom.ContactWebhook, Address: "https://hooks.example.com/bob"}
	if err := p.store.CreateContactMethod(w.ctx, hook); err != nil {
		t.Fatal(err)
	}
	noSecret := w.start("b", func(c *paging.Config) { c.WebhookSecret = "" })
	if _, err := noSecret.pager.SendTestNotification(w.ctx, cast.bob, hook.ID); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Fatalf("webhook without the server's secret: %v, want invalid", err)
	}
}
