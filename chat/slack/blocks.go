package slack

import (
	"github.com/slack-go/slack"

	"github.com/warroom/warroom/chat"
)

// Blocks renders a message as Block Kit: its text, its fields, and its
// buttons (action_id the chat action, value what it acts on).
func Blocks(m chat.Message) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, m.Text, false, false), nil, nil)}
	if len(m.Fields) > 0 {
		var fields []*slack.TextBlockObject
		for _, f := range m.Fields {
			fields = append(fields, slack.NewTextBlockObject(slack.MarkdownType, "*"+f.Label+"*\n"+f.Value, false, false))
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	}
	if len(m.Buttons) > 0 {
		var els []slack.BlockElement
		for _, b := range m.Buttons {
			els = append(els, slack.NewButtonBlockElement(b.Action, b.Value, slack.NewTextBlockObject(slack.PlainTextType, b.Label, false, false)))
		}
		blocks = append(blocks, slack.NewActionBlock("warroom", els...))
	}
	return blocks
}
