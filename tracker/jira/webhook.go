package jira

import (
	"encoding/json"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// SignatureHeader carries the signature of a Jira admin webhook
// registered with a secret (WebSub: "sha256=HEX").
const SignatureHeader = "X-Hub-Signature"

// ParseWebhook reads a jira:issue_created, jira:issue_updated or
// jira:issue_deleted event into the change of its issue; other events
// (comments, sprints, ...) are ignored (ok false). The signature is
// checked before, with tracker.VerifySignature.
func ParseWebhook(body []byte) (c tracker.Change, ok bool, err error) {
	var p struct {
		WebhookEvent string `json:"webhookEvent"`
		Issue        issue  `json:"issue"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return c, false, warroom.Invalid("body", "not a Jira webhook: %v", err)
	}
	switch p.WebhookEvent {
	case "jira:issue_created", "jira:issue_updated", "jira:issue_deleted":
	default:
		return c, false, nil
	}
	if !issueKey.MatchString(p.Issue.Key) {
		return c, false, warroom.Invalid("body", "a Jira issue event names its issue's key")
	}
	return tracker.Change{Kind: tracker.Jira, Key: p.Issue.Key, State: stateOf(p.Issue.Fields.Status),
		Status: p.Issue.Fields.Status.Name, Deleted: p.WebhookEvent == "jira:issue_deleted"}, true, nil
}
