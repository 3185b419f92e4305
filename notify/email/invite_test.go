package email

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify"
)

// TestSendInvitation: a message with a Calendar goes out as
// multipart/mixed with the text, the text/calendar request (method
// REQUEST) and an invite.ics attachment, through a real SMTP exchange;
// composing it again gives the same bytes (a retry sends the same mail).
func TestSendInvitation(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{})
	n := newNotifier(t, Config{Addr: srv.Addr()})
	ics := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:pmr-1@warroom\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	m := notify.Message{ID: "pmr-1-bob", Kind: notify.KindUpdate, Channel: notify.ChannelEmail, Destination: "bob@example.org",
		Subject: "Post Mortem Review: INC-7", Text: "You are invited (required).", IncidentID: "inc-7", Calendar: ics}
	if _, err := n.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	parsed, err := mail.ReadMessage(strings.NewReader(msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(parsed.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", parsed.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(parsed.Body, params["boundary"])
	var types []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		types = append(types, p.Header.Get("Content-Type"))
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			if !strings.Contains(string(body), "You are invited (required).") {
				t.Errorf("text part = %q", body)
			}
		default:
			dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(body), "\r\n", ""))
			if err != nil || string(dec) != ics {
				t.Errorf("calendar part = %q, %v", dec, err)
			}
		}
	}
	want := []string{"text/plain; charset=utf-8", "text/calendar; charset=utf-8; method=REQUEST", `application/ics; name="invite.ics"`}
	if strings.Join(types, "|") != strings.Join(want, "|") {
		t.Errorf("parts = %q", types)
	}
	a, _, _ := n.Compose(m)
	b, _, _ := n.Compose(m)
	if string(a) != string(b) {
		t.Error("composing an invitation twice differs")
	}
	m.Calendar = ""
	plain, _, _ := n.Compose(m)
	if !strings.Contains(string(plain), "Content-Type: text/plain; charset=utf-8\r\n") || strings.Contains(string(plain), "multipart") {
		t.Error("a message without a calendar changed")
	}
}
