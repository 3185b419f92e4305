package github

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// SignatureHeader carries GitHub's webhook signature.
const SignatureHeader = "X-Hub-Signature-256"

// EventHeader names a GitHub webhook's event.
const EventHeader = "X-GitHub-Event"

// ParseWebhook reads an `issues` event (any action: opened, closed,
// reopened, edited, deleted, ...) into the change of its issue. Other
// events (ping, issue_comment, ...) are ignored (ok false). The signature
// is checked before, with tracker.VerifySignature.
func ParseWebhook(event string, body []byte) (c tracker.Change, ok bool, err error) {
	if event != "issues" {
		return c, false, nil
	}
	var p struct {
		Action     string `json:"action"`
		Issue      issue  `json:"issue"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return c, false, warroom.Invalid("body", "not a GitHub issues event: %v", err)
	}
	if p.Repository.FullName == "" || p.Issue.Number <= 0 {
		return c, false, warroom.Invalid("body", "a GitHub issues event names its repository and issue")
	}
	client := &Client{}
	client.owner, client.repo, _ = strings.Cut(p.Repository.FullName, "/")
	ref := client.ref(p.Issue)
	return tracker.Change{Kind: tracker.GitHub, Key: fmt.Sprintf("%s#%d", p.Repository.FullName, p.Issue.Number),
		State: ref.State, Status: ref.Status, Deleted: p.Action == "deleted"}, true, nil
}
