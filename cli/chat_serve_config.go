package cli

import (
	"strings"

	"github.com/warroom/warroom/chat"
)

// chatConfig is the chat part of the server's configuration: which chat
// system runs the incident channels and ChatOps (package chat). Slack
// uses the bot token and API URL of paging (--slack-token,
// --slack-api-url).
type chatConfig struct {
	Provider        string // "" (none) or "slack"
	SigningSecret   string // verifies Slack's slash commands and interactivity
	ChannelTemplate string // text/template naming incident channels
	Announce        string // comma-separated channel IDs that get each incident's announcement
	Command         string // the slash command's name, for the help
}

func defaultChatConfig() chatConfig {
	return chatConfig{ChannelTemplate: chat.DefaultChannelTemplate, Command: "/inc"}
}

func chatSettings() []setting[serveConfig] {
	c := func(f func(*chatConfig) any) func(*serveConfig) any {
		return func(s *serveConfig) any { return f(&s.Chat) }
	}
	return []setting[serveConfig]{
		{"chat", "chat system for incident channels and ChatOps: slack (needs --slack-token with the scopes channels:manage, groups:write, " +
			"chat:write, users:read, users:read.email) or empty for none", c(func(c *chatConfig) any { return &c.Provider })},
		{"slack-signing-secret", "the Slack app's signing secret, which verifies slash commands and button presses (prefer the environment or config file); " +
			"empty: ChatOps requests are refused", c(func(c *chatConfig) any { return &c.SigningSecret })},
		{"chat-channel-template", "text/template naming each incident's channel from .Number, .Ref, .Cluster, .Severity, .Title, .ID; " +
			"the result is lower-cased, other characters than a-z, 0-9, - and _ become -, cut to 80 characters; a taken name gets -2, -3...",
			c(func(c *chatConfig) any { return &c.ChannelTemplate })},
		{"chat-announce", "channel IDs (comma-separated) that get each public incident's announcement with its bridge, channel, description and first responder",
			c(func(c *chatConfig) any { return &c.Announce })},
		{"chat-command", "the slash command's name as configured in the chat system, e.g. /inc (shown in the help)", c(func(c *chatConfig) any { return &c.Command })},
	}
}

// validate checks the chat settings against the rest (Slack needs the
// paging bot token).
func (c *chatConfig) validate(p pagingConfig) error {
	switch c.Provider {
	case "":
		return nil
	case "slack":
		if p.SlackToken == "" {
			return usageErrorf("--chat slack needs --slack-token (a bot token)")
		}
	default:
		return usageErrorf("--chat %q: use slack, or leave it empty for none", c.Provider)
	}
	if _, err := chat.ParseChannelTemplate(c.ChannelTemplate); err != nil {
		return usageErrorf("--chat-channel-template: %v", err)
	}
	if !strings.HasPrefix(c.Command, "/") || len(c.Command) < 2 || strings.ContainsAny(c.Command, " \t") {
		return usageErrorf("--chat-command %q: a slash command like /inc", c.Command)
	}
	return nil
}

// announce returns the announcement channel IDs.
func (c *chatConfig) announce() []string {
	var out []string
	for _, s := range strings.Split(c.Announce, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
