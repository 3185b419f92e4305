package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/warroom/warroom/notify"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
// Slack rejects the whole message with invalid_blocks when one is exceeded,
// which would turn a long incident description into a lost page, so every
// text is truncated to fit instead.
const (
	maxSectionText  = 3000
	maxFieldText    = 2000
	maxFieldsPerRow = 10
	// maxFallbackText bounds the top-level "text". Slack accepts far more,
	// but it only shows in notifications and screen readers.
	maxFallbackText = 3000
)

// AckActionID identifies the acknowledge button. A link button still sends
// an interaction payload to the Slack app (if it has a request URL), and
// this ID lets that handler recognise and ignore it: the ack itself happens
// when the browser opens the signed URL.
const AckActionID = "warroom_ack"

// Block is one Block Kit layout block. Only the shapes warroom sends are
// modelled: "section" (Text and/or Fields) and "actions" (Elements).
type Block struct {
	Type     string    `json:"type"`
	Text     *Text     `json:"text,omitempty"`
	Fields   []Text    `json:"fields,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Text is a Block Kit text object; Type is "mrkdwn" or "plain_text".
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Element is an interactive element; warroom only sends link buttons.
type Element struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	URL      string `json:"url,omitempty"`
	Style    string `json:"style,omitempty"`
	ActionID string `json:"action_id,omitempty"`
}

// Blocks renders m as Block Kit blocks, the same for both Slack notifiers:
//
//  1. a section with the subject in bold (prefixed with :rotating_light:
//     for a page) and the text below it;
//  2. one section per ten fields (Slack's limit), each "*Name*\nValue";
//  3. when m has an AckURL, an actions block with an "Acknowledge" link
//     button, so acknowledging is one tap on a phone.
//
// All user-supplied text is escaped (see Escape) and truncated to Slack's
// limits.
func Blocks(m notify.Message) []Block {
	var blocks []Block

	var head []string
	if m.Subject != "" {
		subject := strings.Join(strings.Fields(m.Subject), " ")
		head = append(head, "*"+Escape(subject)+"*")
	}
	if text := strings.TrimSpace(m.Text); text != "" {
		head = append(head, Escape(text))
	}
	headline := strings.Join(head, "\n")
	if m.Kind == notify.KindPage {
		headline = ":rotating_light: " + headline
	}
	if headline != "" {
		blocks = append(blocks, section(truncate(headline, maxSectionText)))
	}

	var fields []Text
	for _, f := range m.Fields {
		if f.Name == "" && f.Value == "" {
			continue // Slack rejects an empty text object
		}
		fields = append(fields, Text{Type: "mrkdwn", Text: truncate("*"+Escape(f.Name)+"*\n"+Escape(f.Value), maxFieldText)})
	}
	for len(fields) > 0 {
		n := min(len(fields), maxFieldsPerRow)
		blocks = append(blocks, Block{Type: "section", Fields: fields[:n]})
		fields = fields[n:]
	}

	if m.AckURL != "" {
		blocks = append(blocks, Block{Type: "actions", Elements: []Element{{
			Type:     "button",
			Text:     &Text{Type: "plain_text", Text: "Acknowledge"},
			URL:      m.AckURL,
			Style:    "primary",
			ActionID: AckActionID,
		}}})
	}
	return blocks
}

// FallbackText renders the top-level "text" of a message. With blocks
// present Slack does not display it in the channel, but uses it for push
// notifications and screen readers, so it carries the subject first and
// the ack link last.
func FallbackText(m notify.Message) string {
	var parts []string
	if m.Subject != "" {
		parts = append(parts, Escape(strings.Join(strings.Fields(m.Subject), " ")))
	}
	if text := strings.TrimSpace(m.Text); text != "" {
		parts = append(parts, Escape(text))
	}
	s := strings.Join(parts, "\n")
	if m.AckURL != "" {
		// Reserve room so truncation can never cut the ack link.
		link := "<" + Escape(m.AckURL) + "|Acknowledge>"
		s = truncate(s, maxFallbackText-utf8.RuneCountInString(link)-1)
		if s != "" {
			s += "\n"
		}
		return s + link
	}
	return truncate(s, maxFallbackText)
}

// Escape escapes the three characters Slack's mrkdwn treats as control
// characters, as Slack requires: "&", "<" and ">". Without it a title such
// as "<!channel> down" would notify a whole channel.
func Escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func section(mrkdwn string) Block {
	return Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: mrkdwn}}
}

// truncate shortens already-escaped mrkdwn to at most limit characters
// (runes, as Slack counts them), ending with "…". It never cuts an escape
// entity such as "&amp;" in half.
func truncate(s string, limit int) string {
	if limit <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	cut, runes := 0, 0
	for i := range s {
		if runes == limit-1 {
			cut = i
			break
		}
		runes++
	}
	out := s[:cut]
	if amp := strings.LastIndexByte(out, '&'); amp >= 0 && !strings.Contains(out[amp:], ";") {
		out = out[:amp]
	}
	return out + "…"
}
