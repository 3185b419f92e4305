package chat

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// DefaultChannelTemplate names a channel as seed 004 asks: the ticket
// number, then the cluster when there is one ("inc42-prod-eu-1").
const DefaultChannelTemplate = "inc{{.Number}}{{with .Cluster}}-{{.}}{{end}}"

// MaxChannelName is Slack's limit on channel names, the strictest of the
// chat systems warroom knows.
const MaxChannelName = 80

// NameData is what a channel name template sees.
type NameData struct {
	Number   int64
	Ref      string // "INC-42"
	ID       string
	Cluster  string
	Severity string
	Title    string
}

// ParseChannelTemplate parses a channel name template (text/template)
// and checks that it renders a usable name for a sample incident.
func ParseChannelTemplate(text string) (*template.Template, error) {
	t, err := template.New("channel").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("channel template: %w", err)
	}
	if _, err := ChannelName(t, NameData{Number: 1, Ref: "INC-1", ID: "x", Cluster: "c", Severity: "SEV1", Title: "t"}); err != nil {
		return nil, err
	}
	return t, nil
}

// ChannelName renders the template for an incident and makes the result
// a valid channel name: lower-case letters, digits, '-' and '_' only
// (anything else becomes '-', runs of '-' collapse), at most
// MaxChannelName bytes.
func ChannelName(t *template.Template, d NameData) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("channel template: %w", err)
	}
	name := sanitize(b.String())
	if name == "" {
		return "", fmt.Errorf("channel template: %q renders no usable channel name", t.Root.String())
	}
	return name, nil
}

func sanitize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_'
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(r)
		dash = false
	}
	return trimName(strings.TrimRight(b.String(), "-"), MaxChannelName)
}

// trimName cuts name to max bytes without ending in '-'.
func trimName(name string, max int) string {
	if len(name) > max {
		name = name[:max]
	}
	return strings.TrimRight(name, "-")
}

// WithSuffix is the name tried after name was taken n-1 times: name-n,
// cut so that the suffix always fits.
func WithSuffix(name string, n int) string {
	suffix := fmt.Sprintf("-%d", n)
	return trimName(name, MaxChannelName-len(suffix)) + suffix
}

// NameDataOf is the template data of an incident.
func NameDataOf(inc *warroom.Incident) NameData {
	return NameData{Number: inc.Number, Ref: inc.Ref, ID: inc.ID, Cluster: inc.Impact.Cluster,
		Severity: string(inc.Severity), Title: inc.Title}
}

// cut shortens s to at most max runes, marking the cut with "…".
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
