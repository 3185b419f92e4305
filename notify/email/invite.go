package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"mime/quotedprintable"
	"strings"

	"github.com/warroom/warroom/notify"
)

// A message with a Calendar is a meeting invitation: multipart/mixed with
// the text and the request as text/calendar; method=REQUEST (RFC 6047,
// iMIP), which mail clients show with accept and decline buttons, and the
// same request as an invite.ics attachment for those that do not.

// inviteBoundary is the MIME boundary of an invitation ("" for a message
// without a calendar): derived from the message so a retry composes the
// same bytes, and from the content so it cannot appear inside it.
func inviteBoundary(m notify.Message) string {
	if m.Calendar == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(m.ID + "\x00" + m.Text + "\x00" + m.Calendar))
	return "warroom-" + hex.EncodeToString(sum[:12])
}

// writeInvite writes the parts of an invitation.
func writeInvite(b *bytes.Buffer, boundary string, m notify.Message) {
	part := func(headers ...string) {
		b.WriteString("--" + boundary + "\r\n")
		for _, h := range headers {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n")
	}
	part("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable")
	qp := quotedprintable.NewWriter(b)
	qp.Write([]byte(m.PlainText()))
	qp.Close()
	b.WriteString("\r\n")
	cal := strings.ReplaceAll(strings.ReplaceAll(m.Calendar, "\r\n", "\n"), "\n", "\r\n")
	part("Content-Type: text/calendar; charset=utf-8; method=REQUEST", "Content-Transfer-Encoding: base64")
	writeBase64(b, cal)
	part("Content-Type: application/ics; name=\"invite.ics\"", "Content-Disposition: attachment; filename=\"invite.ics\"", "Content-Transfer-Encoding: base64")
	writeBase64(b, cal)
	b.WriteString("--" + boundary + "--\r\n")
}

// writeBase64 writes s in base64 lines of 76 characters.
func writeBase64(b *bytes.Buffer, s string) {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}
