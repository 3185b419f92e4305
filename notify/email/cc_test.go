package email

import (
	"context"
	"strings"
	"testing"

	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify"
)

// TestSendToListWithCC: a destination may list several addresses and CC
// copies more; each address is a recipient once, and the headers say who
// is addressed and who is copied.
func TestSendToListWithCC(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{})
	n := newNotifier(t, Config{Addr: srv.Addr()})
	m := notify.Message{ID: "d-1", Kind: notify.KindUpdate, Channel: notify.ChannelEmail,
		Destination: "Wile <wile@acme.test>, ops@acme.test", CC: []string{"mia@example.com", "ops@acme.test"},
		Subject: "Checkout incident", Text: "rolling back"}
	if _, err := n.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	s := srv.Sessions()[0]
	if got := strings.Join(s.Rcpts, " "); got != "RCPT TO:<wile@acme.test> RCPT TO:<ops@acme.test> RCPT TO:<mia@example.com>" {
		t.Errorf("recipients %s", got)
	}
	for _, want := range []string{"To: \"Wile\" <wile@acme.test>, <ops@acme.test>\r\n", "Cc: <mia@example.com>, <ops@acme.test>\r\n"} {
		if !strings.Contains(s.Data, want) {
			t.Errorf("message lacks %q:\n%s", want, s.Data)
		}
	}
	m.CC = []string{"not an address"}
	if _, err := n.Send(context.Background(), m); notify.IsRetryable(err) || err == nil {
		t.Errorf("a bad CC: %v", err)
	}
}
