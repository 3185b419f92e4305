// Package github is the tracker client of GitHub Issues (REST API v3,
// version 2022-11-28): issues of one repository, opened, closed with a
// reason and reopened, assigned to a login, linked to a parent issue by a
// comment (GitHub has no sub-tasks on this API), and their state read
// back for the sync.
package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/internal/rest"
)

// DefaultBaseURL is GitHub's API; GitHub Enterprise Server is
// https://HOST/api/v3.
const DefaultBaseURL = "https://api.github.com"

// Config configures a client.
type Config struct {
	BaseURL string // default DefaultBaseURL
	Repo    string // "owner/repo"
	Token   string // a token that may write issues of Repo
	HTTP    *http.Client
	Now     func() time.Time
}

// Client speaks to one repository's issues.
type Client struct {
	api   *rest.Client
	owner string
	repo  string
}

var _ tracker.Client = (*Client)(nil)

// New returns a client, or EInvalid naming the bad setting.
func New(cfg Config) (*Client, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, warroom.Invalid("base_url", "GitHub API URL %q is not an http(s) URL", base)
	}
	owner, repo, ok := strings.Cut(cfg.Repo, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, warroom.Invalid("project", "GitHub repository %q is not owner/repo", cfg.Repo)
	}
	if cfg.Token == "" {
		return nil, warroom.Invalid("credentials", "GitHub needs a token")
	}
	token := cfg.Token
	return &Client{owner: owner, repo: repo, api: &rest.Client{
		Name: "GitHub", Base: u, HTTP: cfg.HTTP, Now: cfg.Now,
		Auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) },
		Headers: map[string]string{
			"Accept":               "application/vnd.github+json",
			"X-GitHub-Api-Version": "2022-11-28",
		},
		Explain: explain,
	}}, nil
}

// Kind implements tracker.Client.
func (c *Client) Kind() tracker.Kind { return tracker.GitHub }

// errorBody is GitHub's error answer.
type errorBody struct {
	Message string `json:"message"`
	Errors  []struct {
		Resource string `json:"resource"`
		Field    string `json:"field"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func explain(body []byte) string {
	var e errorBody
	if rest.Decode(body, &e) != nil || e.Message == "" {
		return ""
	}
	msg := e.Message
	for _, d := range e.Errors {
		switch {
		case d.Message != "":
			msg += "; " + d.Message
		case d.Field != "":
			msg += fmt.Sprintf("; %s %s is %s", d.Resource, d.Field, d.Code)
		}
	}
	return msg
}

// issue is the part of GitHub's issue warroom reads.
type issue struct {
	Number      int64     `json:"number"`
	HTMLURL     string    `json:"html_url"`
	State       string    `json:"state"`
	StateReason string    `json:"state_reason"`
	Body        string    `json:"body"`
	PullRequest *struct{} `json:"pull_request"`
}

func (c *Client) ref(i issue) tracker.Ref {
	st, status := tracker.StateOpen, i.State
	if i.State == "closed" {
		st = tracker.StateDone
		if i.StateReason != "" {
			status = "closed (" + i.StateReason + ")"
		}
	}
	return tracker.Ref{Kind: tracker.GitHub, Key: c.key(i.Number), URL: i.HTMLURL, State: st, Status: status}
}

func (c *Client) key(n int64) string { return fmt.Sprintf("%s/%s#%d", c.owner, c.repo, n) }

func (c *Client) path(parts ...string) string {
	return "/repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.repo) + "/" + strings.Join(parts, "/")
}

// number parses a key of this repository ("owner/repo#12", or "#12").
func (c *Client) number(key string) (string, error) {
	repo, n, ok := strings.Cut(key, "#")
	num, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || num <= 0 || (repo != "" && !strings.EqualFold(repo, c.owner+"/"+c.repo)) {
		return "", warroom.Invalid("key", "%q is not an issue of %s/%s (owner/repo#NUMBER)", key, c.owner, c.repo)
	}
	return strconv.FormatInt(num, 10), nil
}

// markerComment hides the marker in the issue's body, where a person does
// not see it.
func markerComment(marker string) string { return "<!-- warroom:" + marker + " -->" }

// Create implements tracker.Client.
func (c *Client) Create(ctx context.Context, t tracker.NewTicket) (tracker.Ref, error) {
	var parent string
	if t.Parent != "" {
		n, err := c.number(t.Parent)
		if err != nil {
			return tracker.Ref{}, err
		}
		parent = n
	}
	body := t.Body
	var assignees []string
	if t.Assignee != "" {
		login, err := c.assignable(ctx, t.Assignee)
		if err != nil {
			return tracker.Ref{}, err
		}
		if login != "" {
			assignees = []string{login}
		} else {
			body += fmt.Sprintf("\n\nOwner: %s (not assignable in %s/%s)", t.Assignee, c.owner, c.repo)
		}
	}
	body = issueBody(body, t, parent)
	in := map[string]any{"title": t.Title, "body": body}
	if len(assignees) > 0 {
		in["assignees"] = assignees
	}
	if len(t.Labels) > 0 {
		in["labels"] = t.Labels
	}
	var out issue
	if _, err := c.api.Do(ctx, http.MethodPost, c.path("issues"), nil, in, &out); err != nil {
		return tracker.Ref{}, err
	}
	ref := c.ref(out)
	if t.Parent != "" {
		if err := c.LinkChild(ctx, t.Parent, ref.Key); err != nil {
			return ref, err
		}
	}
	return ref, nil
}

// issueBody adds to text the lines GitHub has no field for: the due date,
// the parent issue (number), and the hidden marker.
func issueBody(text string, t tracker.NewTicket, parent string) string {
	if !t.Due.IsZero() {
		text += "\n\nDue: " + t.Due.Format(time.DateOnly)
	}
	if parent != "" {
		text += "\n\nPart of #" + parent
	}
	if t.Marker != "" {
		text += "\n\n" + markerComment(t.Marker)
	}
	return text
}

// Edit implements tracker.Client.
func (c *Client) Edit(ctx context.Context, key string, t tracker.NewTicket) error {
	n, err := c.number(key)
	if err != nil {
		return err
	}
	var parent string
	if t.Parent != "" {
		if parent, err = c.number(t.Parent); err != nil {
			return err
		}
	}
	in := map[string]string{"title": t.Title, "body": issueBody(t.Body, t, parent)}
	_, err = c.api.Do(ctx, http.MethodPatch, c.path("issues", n), nil, in, nil)
	return err
}

// assignable returns the login to assign for who (a login, or an email
// found among public profiles), "" if GitHub cannot assign them here.
func (c *Client) assignable(ctx context.Context, who string) (string, error) {
	login := who
	if strings.Contains(who, "@") {
		var found struct {
			Items []struct {
				Login string `json:"login"`
			} `json:"items"`
		}
		q := url.Values{"q": {who + " in:email"}}
		if _, err := c.api.Do(ctx, http.MethodGet, "/search/users", q, nil, &found); err != nil {
			return "", err
		}
		if len(found.Items) != 1 {
			return "", nil
		}
		login = found.Items[0].Login
	}
	// 204: assignable; 404: not.
	_, err := c.api.Do(ctx, http.MethodGet, c.path("assignees", url.PathEscape(login)), nil, nil, nil)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return login, nil
}

// FindByMarker implements tracker.Client: the newest 100 issues of the
// repository (a creation is retried soon after it was tried, so its
// issue is among them), searched for the marker in the body. The list is
// read rather than the search API, whose index lags behind.
func (c *Client) FindByMarker(ctx context.Context, marker string) (tracker.Ref, error) {
	var list []issue
	q := url.Values{"state": {"all"}, "sort": {"created"}, "direction": {"desc"}, "per_page": {"100"}}
	if _, err := c.api.Do(ctx, http.MethodGet, c.path("issues"), q, nil, &list); err != nil {
		return tracker.Ref{}, err
	}
	m := markerComment(marker)
	for _, i := range list {
		if i.PullRequest == nil && strings.Contains(i.Body, m) {
			return c.ref(i), nil
		}
	}
	return tracker.Ref{}, warroom.Errorf(warroom.ENotFound, "no issue of %s/%s carries marker %s", c.owner, c.repo, marker)
}

// Get implements tracker.Client.
func (c *Client) Get(ctx context.Context, key string) (tracker.Ref, error) {
	n, err := c.number(key)
	if err != nil {
		return tracker.Ref{}, err
	}
	var out issue
	if _, err := c.api.Do(ctx, http.MethodGet, c.path("issues", n), nil, nil, &out); err != nil {
		return tracker.Ref{}, err
	}
	return c.ref(out), nil
}

// SetState implements tracker.Client: done closes the issue as completed,
// open and in progress reopen it (GitHub has no "in progress").
func (c *Client) SetState(ctx context.Context, key string, state tracker.State) (tracker.Ref, error) {
	cur, err := c.Get(ctx, key)
	if err != nil {
		return tracker.Ref{}, err
	}
	wantClosed := state == tracker.StateDone
	if (cur.State == tracker.StateDone) == wantClosed {
		return cur, nil
	}
	n, _ := c.number(key)
	in := map[string]string{"state": "open", "state_reason": "reopened"}
	if wantClosed {
		in = map[string]string{"state": "closed", "state_reason": "completed"}
	}
	var out issue
	if _, err := c.api.Do(ctx, http.MethodPatch, c.path("issues", n), nil, in, &out); err != nil {
		return tracker.Ref{}, err
	}
	return c.ref(out), nil
}

// SetAssignee implements tracker.Client.
func (c *Client) SetAssignee(ctx context.Context, key, who string) error {
	n, err := c.number(key)
	if err != nil {
		return err
	}
	login, err := c.assignable(ctx, who)
	if err != nil || login == "" {
		return err
	}
	_, err = c.api.Do(ctx, http.MethodPatch, c.path("issues", n), nil, map[string][]string{"assignees": {login}}, nil)
	return err
}

// LinkChild implements tracker.Client: a comment on the parent naming the
// child ("Action item: #12"), which GitHub shows as a cross-reference on
// both; not added twice.
func (c *Client) LinkChild(ctx context.Context, parent, child string) error {
	cn, err := c.number(child)
	if err != nil {
		return err
	}
	return c.commentOnce(ctx, parent, "Action item: #"+cn, "#"+cn)
}

// AddLink implements tracker.Client: a comment with the link, not added
// twice.
func (c *Client) AddLink(ctx context.Context, key, title, link string) error {
	return c.commentOnce(ctx, key, fmt.Sprintf("%s: %s", title, link), link)
}

// commentOnce adds text as a comment on key unless a comment there already
// contains mark (a retry after a lost answer must not comment twice).
func (c *Client) commentOnce(ctx context.Context, key, text, mark string) error {
	n, err := c.number(key)
	if err != nil {
		return err
	}
	for page := 1; page <= 10; page++ {
		var comments []struct {
			Body string `json:"body"`
		}
		q := url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}}
		if _, err := c.api.Do(ctx, http.MethodGet, c.path("issues", n, "comments"), q, nil, &comments); err != nil {
			return err
		}
		for _, cm := range comments {
			if containsWord(cm.Body, mark) {
				return nil
			}
		}
		if len(comments) < 100 {
			break
		}
	}
	_, err = c.api.Do(ctx, http.MethodPost, c.path("issues", n, "comments"), nil, map[string]string{"body": text}, nil)
	return err
}

// containsWord reports whether s contains mark not followed by a digit
// (so "#1" is not found in "#12").
func containsWord(s, mark string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], mark)
		if j < 0 {
			return false
		}
		end := i + j + len(mark)
		if end == len(s) || s[end] < '0' || s[end] > '9' {
			return true
		}
		i = end
	}
}
