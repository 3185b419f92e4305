package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/jirafake"
	"github.com/warroom/warroom/tracker"
)

// The server with a Jira tracker added by `warroom tracker add`: declaring
// over the API makes the incident's ticket in Jira, assigned to the
// declaring first responder; a stage change moves it; a signed webhook
// syncs a status back, and `warroom tracker tickets` shows it.
func TestServeWithJiraTracker(t *testing.T) {
	fake := jirafake.New("bot@example.com", "jira-token", "OPS")
	defer fake.Close()
	fake.AddUser(jirafake.User{AccountID: "acc-admin", Email: "admin@example.com", Active: true})
	secrets := t.TempDir()
	for name, v := range map[string]string{"jira-ops": "bot@example.com:jira-token", "jira-hook": "hook-secret"} {
		if err := os.WriteFile(filepath.Join(secrets, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base, _, token := startServe(t, "--tracker-secrets-dir", secrets)
	env := map[string]string{"WARROOM_SERVER": base, "WARROOM_TOKEN": token}
	api := func(method, path, body string, headers ...string) string {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return string(b)
	}
	api("POST", "/api/v1/services", `{"slug":"checkout","name":"Checkout"}`)
	out, errOut, code := runCLI(t, env, "tracker", "add", "--service", "checkout", "--kind", "jira", "--url", fake.URL,
		"--project", "OPS", "--credentials", "jira-ops", "--webhook-secret", "jira-hook")
	if code != 0 || !strings.Contains(out, "/webhook with the secret in jira-hook") {
		t.Fatalf("tracker add: %d %s %s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, env, "tracker", "add", "--service", "checkout", "--kind", "gitlab", "--project", "x", "--credentials", "y"); code != 1 ||
		!strings.Contains(errOut, `unknown tracker kind "gitlab"`) {
		t.Fatalf("unknown kind: %d %s", code, errOut)
	}
	var cfgs struct{ Trackers []tracker.Config }
	_ = json.Unmarshal([]byte(api("GET", "/api/v1/trackers", "")), &cfgs)

	api("POST", "/api/v1/incidents", `{"title":"checkout down","severity":"SEV2","impact":{"service_ids":["checkout"]}}`)
	waitFor(t, "the incident's ticket in Jira", func() bool {
		i, ok := fake.Issue("OPS-1")
		return ok && i.Assignee == "acc-admin" && i.Summary == "INC-1: checkout down"
	})
	api("POST", "/api/v1/incidents/INC-1/stage", `{"stage":"investigating"}`)
	waitFor(t, "the ticket in progress", func() bool {
		i, _ := fake.Issue("OPS-1")
		return i.Status == "In Progress"
	})
	body := `{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1","fields":{"status":{"name":"Blocked","statusCategory":{"key":"indeterminate"}}}}}`
	api("POST", "/api/v1/trackers/"+cfgs.Trackers[0].ID+"/webhook", body, "X-Hub-Signature", tracker.Sign("hook-secret", []byte(body)))
	out, errOut, code = runCLI(t, env, "tracker", "tickets", "INC-1")
	if code != 0 || !regexp.MustCompile(`incident\s+OPS-1\s+in_progress\s+Blocked`).MatchString(out) {
		t.Fatalf("tracker tickets: %d %s %s", code, out, errOut)
	}

	// The postmortem, a living document from the declaration on, is linked
	// from the incident's ticket.
	waitFor(t, "the postmortem linked from the ticket", func() bool {
		i, _ := fake.Issue("OPS-1")
		for _, u := range i.RemoteLinks {
			if u == base+"/incidents/INC-1/postmortem" {
				return true
			}
		}
		return false
	})
	// An action item becomes a sub-task of the incident's ticket, assigned
	// to its owner; the item records its ticket; done in Jira, it is done
	// in warroom.
	due := time.Now().AddDate(0, 0, 14).Format("2006-01-02")
	api("POST", "/api/v1/incidents/INC-1/action-items", `{"title":"Alert on checkout 5xx","owner":"admin","target_date":"`+due+`","category":"improve_monitoring"}`)
	waitFor(t, "the action item's sub-task", func() bool {
		i, ok := fake.Issue("OPS-2")
		return ok && i.Parent == "OPS-1" && i.Assignee == "acc-admin" && i.DueDate == due && i.Summary == "Alert on checkout 5xx"
	})
	item := func() warroom.ActionItem {
		var list struct {
			Items []warroom.ActionItem `json:"action_items"`
		}
		_ = json.Unmarshal([]byte(api("GET", "/api/v1/incidents/INC-1/action-items", "")), &list)
		if len(list.Items) != 1 {
			t.Fatalf("action items %+v", list.Items)
		}
		return list.Items[0]
	}
	waitFor(t, "the item's ticket recorded", func() bool { return item().TicketKey == "OPS-2" })
	body = `{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-2","fields":{"status":{"name":"Done","statusCategory":{"key":"done"}}}}}`
	api("POST", "/api/v1/trackers/"+cfgs.Trackers[0].ID+"/webhook", body, "X-Hub-Signature", tracker.Sign("hook-secret", []byte(body)))
	waitFor(t, "the item done with its ticket", func() bool { return item().Status == warroom.ActionDone })
}
