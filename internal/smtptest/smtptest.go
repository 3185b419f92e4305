// Package smtptest is a minimal but real SMTP server (RFC 5321) for tests,
// listening on 127.0.0.1. It speaks over the socket exactly as a relay
// would, so the email notifier is tested through net/smtp, not around it,
// and the tests of paging receive what a real relay would have queued.
//
// It is a package of its own because more than one package's tests need
// the same relay (notify/email tests the notifier against it, paging runs
// whole flows through it), and one server keeps their behaviour the same.
package smtptest

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Config is how the server behaves; the zero value is a plain relay that
// accepts every message.
type Config struct {
	TLS         *tls.Config // non-nil: offer STARTTLS (or use implicit TLS)
	ImplicitTLS bool        // TLS from the first byte, as on port 465
	User, Pass  string      // non-empty: offer AUTH PLAIN (after TLS, if TLS is configured)
	RcptReply   string      // reply to RCPT TO; "" means "250 2.1.5 OK"
	DataReply   string      // reply after the final dot; "" means "250 2.0.0 queued as 12345"
	Silent      bool        // accept connections but never send the greeting
}

// Session is what the server recorded from one connection.
type Session struct {
	Commands []string // every command line, in order (AUTH redacted)
	From     string   // the MAIL command line
	Rcpts    []string // the RCPT command lines
	Data     string   // the message exactly as received, dot-unstuffed
	AuthUser string   // set after a successful AUTH PLAIN
	TLS      bool     // whether the transaction ran over TLS
}

// Server is a running SMTP server; New starts one.
type Server struct {
	cfg Config
	ln  net.Listener
	wg  sync.WaitGroup

	mu       sync.Mutex
	sessions []*Session
	accepted []string // messages answered 2xx after the final dot, in that order
}

// connTimeout bounds each connection, so that a client that hangs cannot
// keep the test's cleanup (which waits for every connection) waiting.
const connTimeout = 10 * time.Second

// New starts a server on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: cfg, ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Sessions returns copies of the sessions so far, in the order the
// connections were accepted.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, len(s.sessions))
	for i, sess := range s.sessions {
		out[i] = *sess
		out[i].Commands = append([]string(nil), sess.Commands...)
		out[i].Rcpts = append([]string(nil), sess.Rcpts...)
	}
	return out
}

// Messages returns the messages the server accepted, in the order it
// accepted them (not the order the connections came in: senders on
// several goroutines finish in any order).
func (s *Server) Messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.accepted...)
}

func (s *Server) serve() {
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
			conn.SetDeadline(time.Now().Add(connTimeout))
			s.handle(conn)
		}()
	}
}

// update applies a change to the recorded sessions under the lock the
// readers take.
func (s *Server) update(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Server) handle(conn net.Conn) {
	sess := &Session{}
	s.update(func() { s.sessions = append(s.sessions, sess) })

	if s.cfg.ImplicitTLS {
		tc := tls.Server(conn, s.cfg.TLS)
		if err := tc.Handshake(); err != nil {
			return
		}
		conn = tc
		s.update(func() { sess.TLS = true })
	}
	if s.cfg.Silent {
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
				sess.Commands = append(sess.Commands, "AUTH PLAIN <redacted>")
			} else {
				sess.Commands = append(sess.Commands, line)
			}
		})
		s.mu.Lock()
		isTLS := sess.TLS
		s.mu.Unlock()

		switch verb {
		case "EHLO", "HELO":
			ext := []string{"250-fake.example.com greets you", "250-8BITMIME"}
			if s.cfg.TLS != nil && !isTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if s.cfg.User != "" && (isTLS || s.cfg.TLS == nil) {
				ext = append(ext, "250-AUTH LOGIN PLAIN")
			}
			ext = append(ext, "250 HELP")
			reply(ext...)
		case "STARTTLS":
			if s.cfg.TLS == nil || isTLS {
				reply("502 5.5.1 not available")
				continue
			}
			reply("220 2.0.0 go ahead")
			tc := tls.Server(conn, s.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r = tc, bufio.NewReader(tc)
			s.update(func() { sess.TLS = true })
		case "AUTH":
			f := strings.Fields(line)
			if len(f) != 3 || strings.ToUpper(f[1]) != "PLAIN" {
				reply("504 5.5.4 unsupported")
				continue
			}
			dec, _ := base64.StdEncoding.DecodeString(f[2])
			parts := strings.Split(string(dec), "\x00")
			if len(parts) == 3 && parts[1] == s.cfg.User && parts[2] == s.cfg.Pass {
				s.update(func() { sess.AuthUser = parts[1] })
				reply("235 2.7.0 authenticated")
			} else {
				reply("535 5.7.8 bad credentials")
			}
		case "MAIL":
			s.update(func() { sess.From = line })
			reply("250 2.1.0 OK")
		case "RCPT":
			s.update(func() { sess.Rcpts = append(sess.Rcpts, line) })
			reply(orDefault(s.cfg.RcptReply, "250 2.1.5 OK"))
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
			answer := orDefault(s.cfg.DataReply, "250 2.0.0 queued as 12345")
			s.update(func() {
				sess.Data = data.String()
				if strings.HasPrefix(answer, "2") {
					s.accepted = append(s.accepted, sess.Data)
				}
			})
			reply(answer)
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
