// Package email delivers notifications over SMTP (notify.ChannelEmail).
//
// Each Send opens one connection to the configured relay, upgrades it with
// STARTTLS when the server offers it, authenticates with PLAIN when
// credentials are configured and the server offers it, and submits one
// RFC 5322 message: text/plain in UTF-8, quoted-printable, so it passes any
// relay whether or not it supports 8BITMIME.
//
// Outcomes follow SMTP's own reply classes: a 4xx reply (greylisting, a
// full queue, "try again later") is retryable, a 5xx reply (unknown user,
// relaying denied, bad credentials) is permanent. Connection failures and
// timeouts are retryable.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroom/warroom/notify"
)

var _ notify.Notifier = (*Notifier)(nil)

// DefaultTimeout bounds one whole SMTP conversation when Config.Timeout is
// zero. A relay that accepts the connection and then stalls must not hold a
// page worker for the kernel's TCP timeout.
const DefaultTimeout = 30 * time.Second

// maxSubjectRunes bounds the subject: mail clients show far less, and it
// keeps the encoded header well under RFC 5322's 998-octet line limit.
const maxSubjectRunes = 200

// Config configures the SMTP notifier.
type Config struct {
	// Addr is the relay's host:port, e.g. "smtp.example.com:587".
	Addr string
	// From is the sender, used both as the envelope sender (MAIL FROM) and
	// the From header, e.g. "Warroom <warroom@example.com>". Its domain
	// also qualifies the Message-ID.
	From string
	// Username and Password enable AUTH PLAIN when Username is set and the
	// server offers PLAIN. Credentials are only ever sent over TLS (or to
	// a relay on localhost), as net/smtp enforces.
	Username string
	Password string
	// HelloName is the name sent with EHLO; "" means the host name of this
	// machine.
	HelloName string
	// ImplicitTLS connects with TLS from the first byte (SMTPS, usually
	// port 465) instead of upgrading with STARTTLS.
	ImplicitTLS bool
	// DisableStartTLS keeps the connection in plain text even when the
	// server offers STARTTLS, for relays with broken TLS on a trusted
	// network. By default STARTTLS is used whenever offered.
	DisableStartTLS bool
	// TLSConfig is used for STARTTLS and ImplicitTLS; nil means the system
	// roots with ServerName set to Addr's host.
	TLSConfig *tls.Config
	// Timeout bounds the whole conversation, on top of the deadline of the
	// Send context; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Notifier delivers email. It is safe for concurrent use: each Send uses
// its own connection.
type Notifier struct {
	cfg       Config
	host      string
	from      *mail.Address
	domain    string
	helloName string
	clock     func() time.Time
}

// New validates cfg and returns an SMTP notifier. clock supplies the Date
// header; nil means time.Now.
func New(cfg Config, clock func() time.Time) (*Notifier, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("email: Config.Addr %q must be host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: Config.From %q: %w", cfg.From, err)
	}
	at := strings.LastIndexByte(from.Address, '@')
	if at < 0 || at == len(from.Address)-1 {
		return nil, fmt.Errorf("email: Config.From %q has no domain", cfg.From)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	hello := cfg.HelloName
	if hello == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			hello = h
		} else {
			hello = "localhost"
		}
	}
	if clock == nil {
		clock = time.Now
	}
	return &Notifier{
		cfg:       cfg,
		host:      host,
		from:      from,
		domain:    from.Address[at+1:],
		helloName: hello,
		clock:     clock,
	}, nil
}

// Channel returns notify.ChannelEmail.
func (n *Notifier) Channel() string { return notify.ChannelEmail }

// Send submits m to the relay for m.Destination (one address, optionally
// with a display name, or a comma-separated list of them), copying m.CC,
// and returns the Message-ID header, angle brackets
// included, as the provider ID. The message counts as delivered once the
// relay accepts the data ("250" after the final dot); a failure of the
// closing QUIT is ignored, since retrying then would send a duplicate.
func (n *Notifier) Send(ctx context.Context, m notify.Message) (string, error) {
	to, cc, err := recipients(m)
	if err != nil {
		return "", notify.Permanent(0, err)
	}
	raw, msgID := n.compose(m, to, cc, n.clock())

	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()

	conn, err := n.dial(ctx)
	if err != nil {
		return "", classify(ctx, "connect", err)
	}
	defer conn.Close()
	// net/smtp has no context support, so the context is mapped onto the
	// connection: its deadline becomes the I/O deadline, and cancellation
	// moves the deadline into the past, which unblocks any pending read.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if stage, err := n.converse(conn, envelope(to, cc), raw); err != nil {
		return "", classify(ctx, stage, err)
	}
	return msgID, nil
}

func (n *Notifier) dial(ctx context.Context) (net.Conn, error) {
	if n.cfg.ImplicitTLS {
		d := tls.Dialer{Config: n.tlsConfig()}
		return d.DialContext(ctx, "tcp", n.cfg.Addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", n.cfg.Addr)
}

func (n *Notifier) tlsConfig() *tls.Config {
	var c *tls.Config
	if n.cfg.TLSConfig != nil {
		c = n.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ServerName == "" {
		c.ServerName = n.host
	}
	return c
}

// converse runs the SMTP dialogue on conn. On failure it returns the stage
// that failed, for the delivery history ("RCPT TO: 550 no such user").
func (n *Notifier) converse(conn net.Conn, rcpts []string, raw []byte) (stage string, err error) {
	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		return "greeting", err
	}
	defer c.Close()
	if err := c.Hello(n.helloName); err != nil {
		return "EHLO", err
	}
	if !n.cfg.ImplicitTLS && !n.cfg.DisableStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(n.tlsConfig()); err != nil {
				return "STARTTLS", err
			}
		}
	}
	if n.cfg.Username != "" {
		// Servers commonly offer AUTH only after STARTTLS; Extension
		// reflects the EHLO that net/smtp re-sends after the upgrade.
		if ok, mechs := c.Extension("AUTH"); ok && slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			if _, isTLS := c.TLSConnectionState(); !isTLS && !isLocalhost(n.host) {
				return "AUTH", errCleartextAuth
			}
			if err := c.Auth(smtp.PlainAuth("", n.cfg.Username, n.cfg.Password, n.host)); err != nil {
				return "AUTH", err
			}
		}
	}
	if err := c.Mail(n.from.Address); err != nil {
		return "MAIL FROM", err
	}
	for _, rcpt := range rcpts {
		if err := c.Rcpt(rcpt); err != nil {
			return "RCPT TO", err
		}
	}
	w, err := c.Data()
	if err != nil {
		return "DATA", err
	}
	if _, err := w.Write(raw); err != nil {
		return "DATA", err
	}
	if err := w.Close(); err != nil {
		return "DATA", err
	}
	_ = c.Quit() // the message is accepted; see Send
	return "", nil
}

// errCleartextAuth is returned instead of sending a password in the clear.
// It is permanent: only a configuration change (TLS on the relay, or no
// credentials) fixes it.
var errCleartextAuth = errors.New("refusing to send credentials over an unencrypted connection (the server offered no STARTTLS)")

func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// classify turns an SMTP-conversation error into a DeliveryError.
func classify(ctx context.Context, stage string, err error) error {
	var tp *textproto.Error
	var cert *tls.CertificateVerificationError
	switch {
	case errors.As(err, &tp):
		e := fmt.Errorf("email: %s: %d %s", stage, tp.Code, tp.Msg)
		if tp.Code >= 500 && tp.Code < 600 {
			return notify.Permanent(tp.Code, e)
		}
		// 4xx replies are transient by definition (RFC 5321 §4.2.1); any
		// other unexpected code is a protocol hiccup worth another try.
		return notify.Temporary(tp.Code, 0, e)
	case errors.Is(err, errCleartextAuth), errors.As(err, &cert):
		// A certificate that does not verify is a configuration problem;
		// retrying cannot fix it and must not degrade to plain text.
		return notify.Permanent(0, fmt.Errorf("email: %s: %w", stage, err))
	case ctxDone(ctx) != nil:
		// The I/O error says "i/o timeout"; the context says why.
		return notify.Temporary(0, 0, fmt.Errorf("email: %s: %w (%v)", stage, ctxDone(ctx), err))
	}
	return notify.Temporary(0, 0, fmt.Errorf("email: %s: %w", stage, err))
}

// ctxDone returns why ctx is over, or nil. The connection deadline and the
// context's timer expire at the same instant but fire independently, so an
// I/O timeout can be seen a moment before ctx.Err is set; a passed deadline
// counts as DeadlineExceeded either way.
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// Compose renders m as the RFC 5322 message Send would submit at the
// notifier's current clock time, and returns it with its Message-ID. It is
// exported for previews and tests.
func (n *Notifier) Compose(m notify.Message) (raw []byte, messageID string, err error) {
	to, cc, err := recipients(m)
	if err != nil {
		return nil, "", err
	}
	raw, messageID = n.compose(m, to, cc, n.clock())
	return raw, messageID, nil
}

// compose builds the message. Headers, in order:
//
//   - Date from the injected clock; From, To, Subject (RFC 2047 Q-encoded
//     when not ASCII).
//   - Message-ID "<ID@from-domain>", derived from the outbox ID so every
//     retry of one message carries the same Message-ID and receivers can
//     drop duplicates.
//   - References "<incident-ID@from-domain>" when there is an incident, so
//     mail clients thread the page, the announcement and every update of
//     one incident together.
//   - MIME headers: text/plain; charset=utf-8, quoted-printable.
//   - Auto-Submitted: auto-generated (RFC 3834), so vacation responders do
//     not reply to pages.
//   - For pages, Importance: high and X-Priority: 1, which phone mail apps
//     and filters use to let a page through "do not disturb" rules.
//   - X-Warroom-Kind and X-Warroom-Incident-ID, for filtering rules.
//
// Lines end in CRLF. The body is Message.PlainText, quoted-printable.
func (n *Notifier) compose(m notify.Message, to, cc []*mail.Address, now time.Time) ([]byte, string) {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}

	msgID := ""
	if m.ID != "" {
		msgID = "<" + idPart(m.ID) + "@" + n.domain + ">"
	}

	header("Date", now.Format(time.RFC1123Z))
	header("From", n.from.String())
	header("To", addressList(to))
	if len(cc) > 0 {
		header("Cc", addressList(cc))
	}
	header("Subject", encodeSubject(m.Subject))
	if msgID != "" {
		header("Message-ID", msgID)
	}
	if m.IncidentID != "" {
		header("References", "<incident-"+idPart(m.IncidentID)+"@"+n.domain+">")
	}
	header("MIME-Version", "1.0")
	boundary := inviteBoundary(m)
	if boundary != "" {
		header("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	} else {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
	}
	header("Auto-Submitted", "auto-generated")
	if m.Kind == notify.KindPage {
		header("Importance", "high")
		header("X-Priority", "1")
	}
	if m.Kind != "" {
		header("X-Warroom-Kind", headerToken(m.Kind))
	}
	if m.IncidentID != "" {
		header("X-Warroom-Incident-ID", headerToken(m.IncidentID))
	}
	if u := headerToken(m.Unsubscribe); u != "" && strings.HasPrefix(u, "http") {
		// One-click unsubscribe (RFC 2369, RFC 8058): a status page
		// subscriber's signed link.
		header("List-Unsubscribe", "<"+u+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b.WriteString("\r\n")
	if boundary != "" {
		writeInvite(&b, boundary, m)
		return b.Bytes(), msgID
	}

	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(m.PlainText())) // writes to a bytes.Buffer cannot fail
	qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), msgID
}

// encodeSubject makes the subject one safe header value: whitespace
// (including CR and LF, which would otherwise inject headers) collapses to
// single spaces, it is truncated to maxSubjectRunes, and non-ASCII text is
// Q-encoded, with the encoded words folded onto continuation lines.
func encodeSubject(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if s == "" {
		return "(no subject)"
	}
	if utf8.RuneCountInString(s) > maxSubjectRunes {
		s = string([]rune(s)[:maxSubjectRunes-1]) + "…"
	}
	enc := mime.QEncoding.Encode("utf-8", s)
	// Whitespace between adjacent encoded words is dropped when decoding,
	// so folding there changes nothing but the line length.
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// idPart turns an ID into a Message-ID local part. Letters, digits, "-" and
// "_" pass through; any other byte becomes "=XX" ("=" is legal there), so
// distinct IDs always give distinct Message-IDs.
func idPart(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

// headerToken keeps an informational header value printable ASCII and on
// one line.
func headerToken(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

// recipients parses m's destination (one address or a list) and its CC.
func recipients(m notify.Message) (to, cc []*mail.Address, err error) {
	to, err = mail.ParseAddressList(m.Destination)
	if err != nil {
		return nil, nil, fmt.Errorf("email: invalid destination: %w", err)
	}
	for _, c := range m.CC {
		a, err := mail.ParseAddress(c)
		if err != nil {
			return nil, nil, fmt.Errorf("email: invalid cc %q: %w", c, err)
		}
		cc = append(cc, a)
	}
	return to, cc, nil
}

// envelope is every address of to and cc once: each gets one copy.
func envelope(to, cc []*mail.Address) []string {
	var out []string
	for _, a := range append(slices.Clone(to), cc...) {
		if !slices.Contains(out, a.Address) {
			out = append(out, a.Address)
		}
	}
	return out
}

// addressList writes addresses as one header value.
func addressList(as []*mail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
