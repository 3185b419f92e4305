// Package jira is the tracker client of Jira Cloud (REST API v3): issues of
// one project with an Atlassian Document Format description, assigned by
// account ID (found from an email with user/search), sub-tasks under a
// parent, moved through the workflow by its transitions, and their status
// read back for the sync. Authentication is basic auth with an account's
// email and API token.
package jira

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/internal/rest"
)

// DefaultIssueType is the issue type of tickets that are not sub-tasks.
const DefaultIssueType = "Task"

// Config configures a client.
type Config struct {
	BaseURL   string // the site, https://example.atlassian.net
	Project   string // project key, "OPS"
	Email     string // the account the API token belongs to
	Token     string // an API token
	IssueType string // default DefaultIssueType
	HTTP      *http.Client
	Now       func() time.Time
}

// Client speaks to one Jira project.
type Client struct {
	api       *rest.Client
	site      *url.URL
	project   string
	issueType string

	mu          sync.Mutex
	subtaskType string // the project's sub-task issue type ID, once looked up
}

var _ tracker.Client = (*Client)(nil)

var projectKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`)

// New returns a client, or EInvalid naming the bad setting.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, warroom.Invalid("base_url", "Jira site URL %q is not an http(s) URL like https://example.atlassian.net", cfg.BaseURL)
	}
	if !projectKey.MatchString(cfg.Project) {
		return nil, warroom.Invalid("project", "Jira project key %q is not a key like OPS (capital letters, digits, _)", cfg.Project)
	}
	if cfg.Email == "" || cfg.Token == "" {
		return nil, warroom.Invalid("credentials", "Jira needs EMAIL:API_TOKEN")
	}
	it := cfg.IssueType
	if it == "" {
		it = DefaultIssueType
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+":"+cfg.Token))
	return &Client{site: u, project: cfg.Project, issueType: it, api: &rest.Client{
		Name: "Jira", Base: u, HTTP: cfg.HTTP, Now: cfg.Now,
		Auth:    func(r *http.Request) { r.Header.Set("Authorization", basic) },
		Explain: explain,
	}}, nil
}

// Kind implements tracker.Client.
func (c *Client) Kind() tracker.Kind { return tracker.Jira }

func explain(body []byte) string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if rest.Decode(body, &e) != nil {
		return ""
	}
	msgs := append([]string(nil), e.ErrorMessages...)
	for f, m := range e.Errors {
		msgs = append(msgs, f+": "+m)
	}
	return strings.Join(msgs, "; ")
}

// status is Jira's status of an issue.
type status struct {
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"` // new, indeterminate, done
	} `json:"statusCategory"`
}

func stateOf(s status) tracker.State {
	switch s.StatusCategory.Key {
	case "done":
		return tracker.StateDone
	case "indeterminate":
		return tracker.StateInProgress
	}
	return tracker.StateOpen
}

func categoryOf(s tracker.State) string {
	switch s {
	case tracker.StateDone:
		return "done"
	case tracker.StateInProgress:
		return "indeterminate"
	}
	return "new"
}

type issue struct {
	Key    string `json:"key"`
	Fields struct {
		Status status `json:"status"`
		Parent *struct {
			Key string `json:"key"`
		} `json:"parent"`
		IssueLinks []struct {
			InwardIssue  *struct{ Key string } `json:"inwardIssue"`
			OutwardIssue *struct{ Key string } `json:"outwardIssue"`
		} `json:"issuelinks"`
	} `json:"fields"`
}

func (c *Client) ref(i issue) tracker.Ref {
	return tracker.Ref{Kind: tracker.Jira, Key: i.Key, URL: c.site.JoinPath("browse", i.Key).String(),
		State: stateOf(i.Fields.Status), Status: i.Fields.Status.Name}
}

var issueKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]*-[1-9][0-9]*$`)

func checkKey(field, key string) error {
	if !issueKey.MatchString(key) {
		return warroom.Invalid(field, "%q is not a Jira issue key like OPS-12", key)
	}
	return nil
}

// markerLabel is the label that carries a ticket's marker (labels take no
// spaces).
func markerLabel(marker string) string { return "warroom-" + label(marker) }

func label(s string) string { return strings.Join(strings.Fields(s), "-") }

// Create implements tracker.Client.
func (c *Client) Create(ctx context.Context, t tracker.NewTicket) (tracker.Ref, error) {
	body := t.Body
	fields := map[string]any{
		"project": map[string]string{"key": c.project},
		"summary": t.Title,
	}
	if t.Parent != "" {
		if err := checkKey("parent", t.Parent); err != nil {
			return tracker.Ref{}, err
		}
		id, err := c.subtask(ctx)
		if err != nil {
			return tracker.Ref{}, err
		}
		fields["issuetype"] = map[string]string{"id": id}
		fields["parent"] = map[string]string{"key": t.Parent}
	} else {
		fields["issuetype"] = map[string]string{"name": c.issueType}
	}
	if t.Assignee != "" {
		id, err := c.accountID(ctx, t.Assignee)
		if err != nil {
			return tracker.Ref{}, err
		}
		if id != "" {
			fields["assignee"] = map[string]string{"accountId": id}
		} else {
			body += fmt.Sprintf("\n\nOwner: %s (no Jira account found for them)", t.Assignee)
		}
	}
	if !t.Due.IsZero() {
		fields["duedate"] = t.Due.Format(time.DateOnly)
	}
	var labels []string
	for _, l := range t.Labels {
		if l = label(l); l != "" {
			labels = append(labels, l)
		}
	}
	if t.Marker != "" {
		labels = append(labels, markerLabel(t.Marker))
	}
	if len(labels) > 0 {
		fields["labels"] = labels
	}
	fields["description"] = ADF(body)
	var out struct {
		Key string `json:"key"`
	}
	if _, err := c.api.Do(ctx, http.MethodPost, "/rest/api/3/issue", nil, map[string]any{"fields": fields}, &out); err != nil {
		return tracker.Ref{}, err
	}
	return c.Get(ctx, out.Key)
}

// subtask returns the ID of the project's sub-task issue type.
func (c *Client) subtask(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.subtaskType
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var p struct {
		IssueTypes []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Subtask bool   `json:"subtask"`
		} `json:"issueTypes"`
	}
	if _, err := c.api.Do(ctx, http.MethodGet, "/rest/api/3/project/"+url.PathEscape(c.project), nil, nil, &p); err != nil {
		return "", err
	}
	for _, it := range p.IssueTypes {
		if it.Subtask {
			c.mu.Lock()
			c.subtaskType = it.ID
			c.mu.Unlock()
			return it.ID, nil
		}
	}
	return "", warroom.Errorf(warroom.EInvalid, "Jira project %s has no sub-task issue type; enable sub-tasks in the project", c.project)
}

// accountID finds the account of who (an email, or an account ID as is):
// "" if Jira knows no one by that email.
func (c *Client) accountID(ctx context.Context, who string) (string, error) {
	if !strings.Contains(who, "@") {
		return who, nil
	}
	var users []struct {
		AccountID    string `json:"accountId"`
		EmailAddress string `json:"emailAddress"`
		Active       bool   `json:"active"`
	}
	if _, err := c.api.Do(ctx, http.MethodGet, "/rest/api/3/user/search", url.Values{"query": {who}}, nil, &users); err != nil {
		return "", err
	}
	var candidates []string
	for _, u := range users {
		if !u.Active {
			continue
		}
		if strings.EqualFold(u.EmailAddress, who) {
			return u.AccountID, nil
		}
		if u.EmailAddress == "" { // hidden by the user's privacy settings
			candidates = append(candidates, u.AccountID)
		}
	}
	if len(candidates) == 1 {
		return candidates[0], nil
	}
	return "", nil
}

// FindByMarker implements tracker.Client, by the marker's label.
func (c *Client) FindByMarker(ctx context.Context, marker string) (tracker.Ref, error) {
	jql := fmt.Sprintf("project = %q AND labels = %q", c.project, markerLabel(marker))
	var out struct {
		Issues []issue `json:"issues"`
	}
	q := url.Values{"jql": {jql}, "fields": {"status"}, "maxResults": {"1"}}
	if _, err := c.api.Do(ctx, http.MethodGet, "/rest/api/3/search/jql", q, nil, &out); err != nil {
		return tracker.Ref{}, err
	}
	if len(out.Issues) == 0 {
		return tracker.Ref{}, warroom.Errorf(warroom.ENotFound, "no issue of Jira project %s carries marker %s", c.project, marker)
	}
	return c.ref(out.Issues[0]), nil
}

func (c *Client) get(ctx context.Context, key, fields string) (issue, error) {
	var out issue
	if err := checkKey("key", key); err != nil {
		return out, err
	}
	_, err := c.api.Do(ctx, http.MethodGet, "/rest/api/3/issue/"+key, url.Values{"fields": {fields}}, nil, &out)
	return out, err
}

// Get implements tracker.Client.
func (c *Client) Get(ctx context.Context, key string) (tracker.Ref, error) {
	i, err := c.get(ctx, key, "status")
	if err != nil {
		return tracker.Ref{}, err
	}
	return c.ref(i), nil
}

// SetState implements tracker.Client: the first transition the workflow
// offers from the current status to a status of the wanted category.
func (c *Client) SetState(ctx context.Context, key string, state tracker.State) (tracker.Ref, error) {
	cur, err := c.Get(ctx, key)
	if err != nil || cur.State == state {
		return cur, err
	}
	var tr struct {
		Transitions []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			To   status `json:"to"`
		} `json:"transitions"`
	}
	if _, err := c.api.Do(ctx, http.MethodGet, "/rest/api/3/issue/"+key+"/transitions", nil, nil, &tr); err != nil {
		return tracker.Ref{}, err
	}
	want := categoryOf(state)
	var offered []string
	for _, t := range tr.Transitions {
		if t.To.StatusCategory.Key == want {
			in := map[string]any{"transition": map[string]string{"id": t.ID}}
			if _, err := c.api.Do(ctx, http.MethodPost, "/rest/api/3/issue/"+key+"/transitions", nil, in, nil); err != nil {
				return tracker.Ref{}, err
			}
			return c.Get(ctx, key)
		}
		offered = append(offered, fmt.Sprintf("%s (to %s)", t.Name, t.To.Name))
	}
	return tracker.Ref{}, warroom.Errorf(warroom.EConflict, "Jira's workflow offers %s no transition from %q to a status of category %q; it offers: %s",
		key, cur.Status, want, strings.Join(offered, ", "))
}

// Edit implements tracker.Client: summary, description and due date.
func (c *Client) Edit(ctx context.Context, key string, t tracker.NewTicket) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	fields := map[string]any{"summary": t.Title, "description": ADF(t.Body)}
	if !t.Due.IsZero() {
		fields["duedate"] = t.Due.Format(time.DateOnly)
	}
	_, err := c.api.Do(ctx, http.MethodPut, "/rest/api/3/issue/"+key, nil, map[string]any{"fields": fields}, nil)
	return err
}

// SetAssignee implements tracker.Client.
func (c *Client) SetAssignee(ctx context.Context, key, who string) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	id, err := c.accountID(ctx, who)
	if err != nil || id == "" {
		return err
	}
	_, err = c.api.Do(ctx, http.MethodPut, "/rest/api/3/issue/"+key+"/assignee", nil, map[string]string{"accountId": id}, nil)
	return err
}

// LinkChild implements tracker.Client: a sub-task is linked by its parent
// already; another issue gets a "Relates" link.
func (c *Client) LinkChild(ctx context.Context, parent, child string) error {
	if err := checkKey("parent", parent); err != nil {
		return err
	}
	i, err := c.get(ctx, child, "parent,issuelinks")
	if err != nil {
		return err
	}
	if i.Fields.Parent != nil && i.Fields.Parent.Key == parent {
		return nil
	}
	for _, l := range i.Fields.IssueLinks {
		if (l.InwardIssue != nil && l.InwardIssue.Key == parent) || (l.OutwardIssue != nil && l.OutwardIssue.Key == parent) {
			return nil
		}
	}
	in := map[string]any{
		"type":         map[string]string{"name": "Relates"},
		"inwardIssue":  map[string]string{"key": child},
		"outwardIssue": map[string]string{"key": parent},
	}
	_, err = c.api.Do(ctx, http.MethodPost, "/rest/api/3/issueLink", nil, in, nil)
	return err
}

// AddLink implements tracker.Client: a remote link whose global ID is the
// URL, so that adding it again updates the same link.
func (c *Client) AddLink(ctx context.Context, key, title, link string) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	in := map[string]any{
		"globalId": "warroom:" + link,
		"object":   map[string]string{"url": link, "title": title},
	}
	_, err := c.api.Do(ctx, http.MethodPost, "/rest/api/3/issue/"+key+"/remotelink", nil, in, nil)
	return err
}
