package email

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify"
)

// fixedNow is 2026-03-01 13:00:00 +01:00, so the Date header's zone is
// exercised too.
var fixedNow = time.Date(2026, 3, 1, 13, 0, 0, 0, time.FixedZone("CET", 3600))

func clock() time.Time { return fixedNow }

func page() notify.Message {
	return notify.Message{
		ID:          "msg_42-a",
		Kind:        notify.KindPage,
		Channel:     notify.ChannelEmail,
		Destination: "Alice Oncall <alice@example.org>",
		Subject:     "SEV1: checkout down\r\nBcc: victim@example.net",
		Text:        "Error rate is 40%.\n.hidden line starting with a dot",
		Fields: []notify.Field{
			{Name: "Incident", Value: "#42"},
			{Name: "Severity", Value: "SEV1"},
		},
		AckURL:     "https://warroom.example.com/ack/abc?sig=x",
		IncidentID: "inc/42",
	}
}

func newNotifier(t *testing.T, cfg Config) *Notifier {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Warroom <warroom@example.com>"
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "warroom.test"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	n, err := New(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSendDeliversRFC5322Message(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{})
	n := newNotifier(t, Config{Addr: srv.Addr()})

	id, err := n.Send(context.Background(), page())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if id != "<msg_42-a@example.com>" {
		t.Errorf("provider ID = %q", id)
	}
	sessions := srv.Sessions()
	if len(sessions) != 1 {
		t.Fatalf("got %d sessions, want 1", len(sessions))
	}
	s := sessions[0]
	wantCommands := []string{
		"EHLO warroom.test",
		"MAIL FROM:<warroom@example.com> BODY=8BITMIME",
		"RCPT TO:<alice@example.org>",
		"DATA",
		"QUIT",
	}
	if strings.Join(s.Commands, "\n") != strings.Join(wantCommands, "\n") {
		t.Errorf("commands =\n%s\nwant\n%s", strings.Join(s.Commands, "\n"), strings.Join(wantCommands, "\n"))
	}
	want := "Date: Sun, 01 Mar 2026 13:00:00 +0100\r\n" +
		"From: \"Warroom\" <warroom@example.com>\r\n" +
		"To: \"Alice Oncall\" <alice@example.org>\r\n" +
		"Subject: SEV1: checkout down Bcc: victim@example.net\r\n" +
		"Message-ID: <msg_42-a@example.com>\r\n" +
		"References: <incident-inc=2F42@example.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"Auto-Submitted: auto-generated\r\n" +
		"Importance: high\r\n" +
		"X-Priority: 1\r\n" +
		"X-Warroom-Kind: page\r\n" +
		"X-Warroom-Incident-ID: inc/42\r\n" +
		"\r\n" +
		"Error rate is 40%.\r\n" +
		".hidden line starting with a dot\r\n" +
		"\r\n" +
		"Incident: #42\r\n" +
		"Severity: SEV1\r\n" +
		"\r\n" +
		"Acknowledge: https://warroom.example.com/ack/abc?sig=3Dx\r\n"
	if s.Data != want {
		t.Errorf("message =\n%s\nwant\n%s", s.Data, want)
	}
	raw, msgID, err := n.Compose(page())
	if err != nil || string(raw) != want || msgID != id {
		t.Errorf("Compose differs from what Send submitted (err %v, id %q)", err, msgID)
	}
}

func TestComposeNonASCIISubjectAndBody(t *testing.T) {
	n := newNotifier(t, Config{Addr: "127.0.0.1:25", From: "Salle de crise <crise@exemple.fr>"})
	m := notify.Message{
		ID:          "m1",
		Kind:        notify.KindUpdate,
		Destination: "Zoë <zoe@exemple.fr>",
		Subject:     "Mise à jour : paiement dégradé",
		Text:        "Le café est froid ☕",
	}
	raw, _, err := n.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	want := "Date: Sun, 01 Mar 2026 13:00:00 +0100\r\n" +
		"From: \"Salle de crise\" <crise@exemple.fr>\r\n" +
		"To: =?utf-8?q?Zo=C3=AB?= <zoe@exemple.fr>\r\n" +
		"Subject: =?utf-8?q?Mise_=C3=A0_jour_:_paiement_d=C3=A9grad=C3=A9?=\r\n" +
		"Message-ID: <m1@exemple.fr>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"Auto-Submitted: auto-generated\r\n" +
		"X-Warroom-Kind: update\r\n" +
		"\r\n" +
		"Le caf=C3=A9 est froid =E2=98=95\r\n"
	if string(raw) != want {
		t.Errorf("message =\n%s\nwant\n%s", raw, want)
	}

	// A long non-ASCII subject is split into encoded words on folded lines.
	m.Subject = strings.Repeat("é", 60)
	raw, _, _ = n.Compose(m)
	subject := strings.SplitN(strings.SplitN(string(raw), "Subject: ", 2)[1], "\r\nMessage-ID", 2)[0]
	lines := strings.Split(subject, "\r\n")
	if len(lines) < 2 {
		t.Fatalf("subject not folded: %q", subject)
	}
	for i, l := range lines {
		if len(l) > 78 || (i > 0 && !strings.HasPrefix(l, " =?utf-8?q?")) {
			t.Errorf("subject line %d = %q", i, l)
		}
	}
}

func TestSendTemporaryFailure451(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{RcptReply: "451 4.7.1 greylisted, try again later"})
	_, err := newNotifier(t, Config{Addr: srv.Addr()}).Send(context.Background(), page())
	var de *notify.DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *notify.DeliveryError", err)
	}
	if !de.Retryable || de.Status != 451 || !notify.IsRetryable(err) {
		t.Errorf("got %+v, want retryable with status 451", de)
	}
	if want := "email: RCPT TO: 451 4.7.1 greylisted, try again later"; de.Err.Error() != want {
		t.Errorf("error = %q, want %q", de.Err, want)
	}
	if s := srv.Sessions()[0]; s.Data != "" {
		t.Error("DATA was sent after RCPT was refused")
	}
}

func TestSendPermanentFailure550(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{RcptReply: "550 5.1.1 no such user"})
	_, err := newNotifier(t, Config{Addr: srv.Addr()}).Send(context.Background(), page())
	var de *notify.DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *notify.DeliveryError", err)
	}
	if de.Retryable || de.Status != 550 || notify.IsRetryable(err) {
		t.Errorf("got %+v, want permanent with status 550", de)
	}
	if want := "email: RCPT TO: 550 5.1.1 no such user"; de.Err.Error() != want {
		t.Errorf("error = %q, want %q", de.Err, want)
	}
}

func TestSendRejectedAfterData(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{DataReply: "554 5.7.1 message rejected as spam"})
	_, err := newNotifier(t, Config{Addr: srv.Addr()}).Send(context.Background(), page())
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "DATA: 554") {
		t.Errorf("err = %v, want permanent DATA 554", err)
	}
}

func TestSendStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	srv := smtptest.New(t, smtptest.Config{TLS: serverTLS, User: "warroom", Pass: "hunter2"})
	n := newNotifier(t, Config{Addr: srv.Addr(), Username: "warroom", Password: "hunter2", TLSConfig: clientTLS})
	if _, err := n.Send(context.Background(), page()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	s := srv.Sessions()[0]
	if !s.TLS || s.AuthUser != "warroom" {
		t.Errorf("tls=%v authUser=%q, want TLS and authenticated", s.TLS, s.AuthUser)
	}
	want := "EHLO warroom.test|STARTTLS|EHLO warroom.test|AUTH PLAIN <redacted>|MAIL FROM:<warroom@example.com> BODY=8BITMIME|RCPT TO:<alice@example.org>|DATA|QUIT"
	if got := strings.Join(s.Commands, "|"); got != want {
		t.Errorf("commands = %s\nwant %s", got, want)
	}

	// Wrong password: 535 is permanent.
	bad := newNotifier(t, Config{Addr: srv.Addr(), Username: "warroom", Password: "nope", TLSConfig: clientTLS})
	_, err := bad.Send(context.Background(), page())
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "AUTH: 535") {
		t.Errorf("bad password: err = %v, want permanent AUTH 535", err)
	}

	// An untrusted certificate is permanent and never falls back to plain text.
	untrusted := newNotifier(t, Config{Addr: srv.Addr(), Username: "warroom", Password: "hunter2"})
	_, err = untrusted.Send(context.Background(), page())
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted cert: err = %v, want permanent STARTTLS failure", err)
	}
	if n := len(srv.Sessions()); n != 3 {
		t.Errorf("got %d sessions, want 3", n)
	}
	if last := srv.Sessions()[2]; last.From != "" {
		t.Error("mail was sent after a failed STARTTLS")
	}
}

func TestSendImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	srv := smtptest.New(t, smtptest.Config{TLS: serverTLS, ImplicitTLS: true, User: "u", Pass: "p"})
	n := newNotifier(t, Config{Addr: srv.Addr(), ImplicitTLS: true, Username: "u", Password: "p", TLSConfig: clientTLS})
	if _, err := n.Send(context.Background(), page()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if s := srv.Sessions()[0]; !s.TLS || s.AuthUser != "u" || s.Data == "" {
		t.Errorf("session = %+v, want TLS, authenticated, with data", s)
	}
}

func TestSendTimesOutOnSilentServer(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{Silent: true})
	n := newNotifier(t, Config{Addr: srv.Addr()})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := n.Send(ctx, page())
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Send took %s; the context deadline was not applied", elapsed)
	}
	if err == nil || !notify.IsRetryable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want retryable deadline exceeded", err)
	}

	// Config.Timeout applies without a context deadline.
	short := newNotifier(t, Config{Addr: srv.Addr(), Timeout: 100 * time.Millisecond})
	if _, err := short.Send(context.Background(), page()); !errors.Is(err, context.DeadlineExceeded) || !notify.IsRetryable(err) {
		t.Errorf("Config.Timeout: err = %v, want retryable deadline exceeded", err)
	}
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = newNotifier(t, Config{Addr: addr}).Send(context.Background(), page())
	if err == nil || !notify.IsRetryable(err) || !strings.Contains(err.Error(), "connect") {
		t.Errorf("err = %v, want retryable connect error", err)
	}
}

func TestSendInvalidDestinationIsPermanent(t *testing.T) {
	srv := smtptest.New(t, smtptest.Config{})
	m := page()
	m.Destination = "not an address"
	_, err := newNotifier(t, Config{Addr: srv.Addr()}).Send(context.Background(), m)
	if err == nil || notify.IsRetryable(err) {
		t.Errorf("err = %v, want permanent", err)
	}
	if n := len(srv.Sessions()); n != 0 {
		t.Errorf("made %d connections for an invalid address", n)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	bad := []Config{
		{Addr: "smtp.example.com", From: "a@example.com"},
		{Addr: ":25", From: "a@example.com"},
		{Addr: "smtp.example.com:25", From: "not an address"},
		{Addr: "smtp.example.com:25", From: ""},
	}
	for _, c := range bad {
		if _, err := New(c, nil); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
	n, err := New(Config{Addr: "smtp.example.com:587", From: "a@example.com"}, nil)
	if err != nil || n.Channel() != "email" || notify.Queue(n.Channel()) != notify.QueuePage || n.helloName == "" {
		t.Errorf("New: %v", err)
	}
}

func TestIDPart(t *testing.T) {
	cases := map[string]string{
		"0b9c6f1e-2a4d-4c1e-9f3a-1d2e3f4a5b6c": "0b9c6f1e-2a4d-4c1e-9f3a-1d2e3f4a5b6c",
		"a.b":                                  "a=2Eb",
		"a-b":                                  "a-b",
		"x y@z>":                               "x=20y=40z=3E",
	}
	for in, want := range cases {
		if got := idPart(in); got != want {
			t.Errorf("idPart(%q) = %q, want %q", in, got, want)
		}
	}
}

// testTLS returns a server config with a fresh self-signed certificate for
// 127.0.0.1 and a client config that trusts exactly that certificate.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}
