package email

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/notify"
)

// fixedNow is 2026-03-01 13:00:00 +01:00, so the Date header's zone is
// exercised too.
var fixedNow = time.Date(2026, 3, 1, 13, 0, 0, 0, time.FixedZone("CET", 3600))

func clock() time.Time { return fixedNow }

// session is what the fake server recorded from one connection.
type session struct {
	commands []string // every command line, in order (AUTH redacted)
	from     string
	rcpts    []string
	data     string // the message exactly as received, dot-unstuffed
	authUser string // set after a successful AUTH PLAIN
	tls      bool   // whether the transaction ran over TLS
}

// smtpServer is a minimal but real SMTP server (RFC 5321) on 127.0.0.1. It
// speaks over the socket exactly as a relay would, so the notifier is
// tested through net/smtp, not around it.
type smtpServer struct {
	t  *testing.T
	ln net.Listener

	// Behaviour, set before the first connection.
	tlsConfig   *tls.Config // non-nil: offer STARTTLS (or use implicit TLS)
	implicitTLS bool
	user, pass  string // non-empty: offer AUTH PLAIN (after TLS, if TLS is configured)
	rcptReply   string // reply to RCPT TO; "" means "250 2.1.5 OK"
	dataReply   string // reply after the final dot; "" means "250 2.0.0 queued"
	silent      bool   // accept connections but never send the greeting

	mu       sync.Mutex
	sessions []*session
	wg       sync.WaitGroup
}

func newSMTPServer(t *testing.T, configure func(*smtpServer)) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, ln: ln}
	if configure != nil {
		configure(s)
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			s.handle(conn)
		}()
	}
}

// update applies a change to the recorded sessions under the lock the
// test's reads take.
func (s *smtpServer) update(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// recorded returns copies of the sessions so far.
func (s *smtpServer) recorded() []session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]session, len(s.sessions))
	for i, sess := range s.sessions {
		out[i] = *sess
		out[i].commands = append([]string(nil), sess.commands...)
		out[i].rcpts = append([]string(nil), sess.rcpts...)
	}
	return out
}

func (s *smtpServer) handle(conn net.Conn) {
	sess := &session{}
	s.mu.Lock()
	s.sessions = append(s.sessions, sess)
	s.mu.Unlock()

	if s.implicitTLS {
		tc := tls.Server(conn, s.tlsConfig)
		if err := tc.Handshake(); err != nil {
			return
		}
		conn = tc
		s.update(func() { sess.tls = true })
	}
	if s.silent {
		buf := make([]byte, 1)
		conn.Read(buf) // until the client gives up
		return
	}

	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		conn.Write([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	}
	reply("220 fake.example.com ESMTP ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		s.update(func() {
			if verb == "AUTH" {
				sess.commands = append(sess.commands, "AUTH PLAIN <redacted>")
			} else {
				sess.commands = append(sess.commands, line)
			}
		})
		s.mu.Lock()
		isTLS := sess.tls
		s.mu.Unlock()

		switch verb {
		case "EHLO", "HELO":
			ext := []string{"250-fake.example.com greets you", "250-8BITMIME"}
			if s.tlsConfig != nil && !isTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if s.user != "" && (isTLS || s.tlsConfig == nil) {
				ext = append(ext, "250-AUTH LOGIN PLAIN")
			}
			ext = append(ext, "250 HELP")
			reply(ext...)
		case "STARTTLS":
			if s.tlsConfig == nil || isTLS {
				reply("502 5.5.1 not available")
				continue
			}
			reply("220 2.0.0 go ahead")
			tc := tls.Server(conn, s.tlsConfig)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r = tc, bufio.NewReader(tc)
			s.update(func() { sess.tls = true })
		case "AUTH":
			f := strings.Fields(line)
			if len(f) != 3 || strings.ToUpper(f[1]) != "PLAIN" {
				reply("504 5.5.4 unsupported")
				continue
			}
			dec, _ := base64.StdEncoding.DecodeString(f[2])
			parts := strings.Split(string(dec), "\x00")
			if len(parts) == 3 && parts[1] == s.user && parts[2] == s.pass {
				s.update(func() { sess.authUser = parts[1] })
				reply("235 2.7.0 authenticated")
			} else {
				reply("535 5.7.8 bad credentials")
			}
		case "MAIL":
			s.update(func() { sess.from = line })
			reply("250 2.1.0 OK")
		case "RCPT":
			s.update(func() { sess.rcpts = append(sess.rcpts, line) })
			if s.rcptReply != "" {
				reply(s.rcptReply)
			} else {
				reply("250 2.1.5 OK")
			}
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, ".")) // undo dot-stuffing
			}
			s.update(func() { sess.data = data.String() })
			if s.dataReply != "" {
				reply(s.dataReply)
			} else {
				reply("250 2.0.0 queued as 12345")
			}
		case "RSET", "NOOP":
			reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

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
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, Config{Addr: srv.addr()})

	id, err := n.Send(context.Background(), page())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if id != "<msg_42-a@example.com>" {
		t.Errorf("provider ID = %q", id)
	}
	sessions := srv.recorded()
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
	if strings.Join(s.commands, "\n") != strings.Join(wantCommands, "\n") {
		t.Errorf("commands =\n%s\nwant\n%s", strings.Join(s.commands, "\n"), strings.Join(wantCommands, "\n"))
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
	if s.data != want {
		t.Errorf("message =\n%s\nwant\n%s", s.data, want)
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
	srv := newSMTPServer(t, func(s *smtpServer) { s.rcptReply = "451 4.7.1 greylisted, try again later" })
	_, err := newNotifier(t, Config{Addr: srv.addr()}).Send(context.Background(), page())
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
	if s := srv.recorded()[0]; s.data != "" {
		t.Error("DATA was sent after RCPT was refused")
	}
}

func TestSendPermanentFailure550(t *testing.T) {
	srv := newSMTPServer(t, func(s *smtpServer) { s.rcptReply = "550 5.1.1 no such user" })
	_, err := newNotifier(t, Config{Addr: srv.addr()}).Send(context.Background(), page())
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
	srv := newSMTPServer(t, func(s *smtpServer) { s.dataReply = "554 5.7.1 message rejected as spam" })
	_, err := newNotifier(t, Config{Addr: srv.addr()}).Send(context.Background(), page())
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "DATA: 554") {
		t.Errorf("err = %v, want permanent DATA 554", err)
	}
}

func TestSendStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	srv := newSMTPServer(t, func(s *smtpServer) {
		s.tlsConfig = serverTLS
		s.user, s.pass = "warroom", "hunter2"
	})
	n := newNotifier(t, Config{Addr: srv.addr(), Username: "warroom", Password: "hunter2", TLSConfig: clientTLS})
	if _, err := n.Send(context.Background(), page()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	s := srv.recorded()[0]
	if !s.tls || s.authUser != "warroom" {
		t.Errorf("tls=%v authUser=%q, want TLS and authenticated", s.tls, s.authUser)
	}
	want := "EHLO warroom.test|STARTTLS|EHLO warroom.test|AUTH PLAIN <redacted>|MAIL FROM:<warroom@example.com> BODY=8BITMIME|RCPT TO:<alice@example.org>|DATA|QUIT"
	if got := strings.Join(s.commands, "|"); got != want {
		t.Errorf("commands = %s\nwant %s", got, want)
	}

	// Wrong password: 535 is permanent.
	bad := newNotifier(t, Config{Addr: srv.addr(), Username: "warroom", Password: "nope", TLSConfig: clientTLS})
	_, err := bad.Send(context.Background(), page())
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "AUTH: 535") {
		t.Errorf("bad password: err = %v, want permanent AUTH 535", err)
	}

	// An untrusted certificate is permanent and never falls back to plain text.
	untrusted := newNotifier(t, Config{Addr: srv.addr(), Username: "warroom", Password: "hunter2"})
	_, err = untrusted.Send(context.Background(), page())
	if err == nil || notify.IsRetryable(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted cert: err = %v, want permanent STARTTLS failure", err)
	}
	if n := len(srv.recorded()); n != 3 {
		t.Errorf("got %d sessions, want 3", n)
	}
	if last := srv.recorded()[2]; last.from != "" {
		t.Error("mail was sent after a failed STARTTLS")
	}
}

func TestSendImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	srv := newSMTPServer(t, func(s *smtpServer) {
		s.tlsConfig, s.implicitTLS = serverTLS, true
		s.user, s.pass = "u", "p"
	})
	n := newNotifier(t, Config{Addr: srv.addr(), ImplicitTLS: true, Username: "u", Password: "p", TLSConfig: clientTLS})
	if _, err := n.Send(context.Background(), page()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if s := srv.recorded()[0]; !s.tls || s.authUser != "u" || s.data == "" {
		t.Errorf("session = %+v, want TLS, authenticated, with data", s)
	}
}

func TestSendTimesOutOnSilentServer(t *testing.T) {
	srv := newSMTPServer(t, func(s *smtpServer) { s.silent = true })
	n := newNotifier(t, Config{Addr: srv.addr()})
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
	short := newNotifier(t, Config{Addr: srv.addr(), Timeout: 100 * time.Millisecond})
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
	srv := newSMTPServer(t, nil)
	m := page()
	m.Destination = "not an address"
	_, err := newNotifier(t, Config{Addr: srv.addr()}).Send(context.Background(), m)
	if err == nil || notify.IsRetryable(err) {
		t.Errorf("err = %v, want permanent", err)
	}
	if n := len(srv.recorded()); n != 0 {
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
