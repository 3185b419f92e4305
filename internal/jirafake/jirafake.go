// Package jirafake is a local Jira Cloud REST API v3 (the parts warroom
// uses) for tests: projects with a To Do / In Progress / Done workflow,
// issues and sub-tasks with ADF descriptions, transitions, user search,
// issue links, remote links and a JQL search by project and label,
// answering like Jira, including its errors ({"errorMessages", "errors"},
// 401, 404, 400) and its rate limit (429 with Retry-After), plus outages a
// test switches on.
package jirafake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Issue is an issue as the fake keeps it.
type Issue struct {
	Key         string
	Summary     string
	Description map[string]any // ADF
	IssueType   string         // type ID
	Status      string         // status name
	Assignee    string         // account ID
	Labels      []string
	DueDate     string
	Parent      string
	Links       []string          // keys of linked issues
	RemoteLinks map[string]string // global ID → URL
}

// User is a Jira account.
type User struct {
	AccountID string
	Email     string
	Active    bool
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Email, Token string // the credentials it accepts

	mu         sync.Mutex
	projects   map[string]*project
	issues     map[string]*Issue
	users      []User
	failNext   []int
	dropCreate int
	limited    int
	retryAfter int
	requests   []string
}

type project struct {
	key      string
	next     int
	subtasks bool
}

// The workflow: every status can go to every other.
var statuses = []struct{ id, name, category, transition string }{
	{"10000", "To Do", "new", "11"},
	{"10001", "In Progress", "indeterminate", "21"},
	{"10002", "Done", "done", "31"},
}

// Issue type IDs.
const (
	TypeTask    = "10001"
	TypeSubtask = "10003"
)

// New starts a fake that accepts email and token and has the projects
// named (with sub-tasks enabled).
func New(email, token string, projects ...string) *Server {
	s := &Server{Email: email, Token: token, projects: map[string]*project{}, issues: map[string]*Issue{}}
	for _, p := range projects {
		s.projects[p] = &project{key: p, subtasks: true}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/api/3/issue", s.create)
	mux.HandleFunc("GET /rest/api/3/issue/{key}", s.get)
	mux.HandleFunc("PUT /rest/api/3/issue/{key}", s.edit)
	mux.HandleFunc("GET /rest/api/3/issue/{key}/transitions", s.transitions)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/transitions", s.transition)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/remotelink", s.remoteLink)
	mux.HandleFunc("PUT /rest/api/3/issue/{key}/assignee", s.assign)
	mux.HandleFunc("POST /rest/api/3/issueLink", s.issueLink)
	mux.HandleFunc("GET /rest/api/3/user/search", s.userSearch)
	mux.HandleFunc("GET /rest/api/3/project/{key}", s.project)
	mux.HandleFunc("GET /rest/api/3/search/jql", s.search)
	s.Server = httptest.NewServer(s.guard(mux))
	return s
}

// AddUser adds an account; email "" is an account whose email is hidden.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, u)
}

// DisableSubtasks turns sub-tasks off in a project.
func (s *Server) DisableSubtasks(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[key].subtasks = false
}

// FailNext answers the next len(statuses) requests with those statuses.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, statuses...)
}

// DropCreateAnswers makes the next n creations make their issue and then
// answer 502.
func (s *Server) DropCreateAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropCreate = n
}

// RateLimitNext answers the next n requests 429 with Retry-After.
func (s *Server) RateLimitNext(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.retryAfter = n, int(retryAfter/time.Second)
}

// Issue returns a copy of an issue, or false.
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.issues[key]
	if !ok {
		return Issue{}, false
	}
	c := *i
	c.Labels, c.Links = slices.Clone(i.Labels), slices.Clone(i.Links)
	return c, true
}

// Issues returns how many issues exist.
func (s *Server) Issues() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.issues)
}

// SetStatus moves an issue as a person in Jira would.
func (s *Server) SetStatus(key, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issues[key].Status = status
}

// Delete removes an issue as a person in Jira would.
func (s *Server) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.issues, key)
}

// Requests returns "METHOD PATH" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, status int, messages []string, fields map[string]string) {
	if messages == nil {
		messages = []string{}
	}
	if fields == nil {
		fields = map[string]string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": messages, "errors": fields})
}

func (s *Server) guard(next http.Handler) http.Handler {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.Email+":"+s.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		fail, limited := 0, false
		if len(s.failNext) > 0 {
			fail, s.failNext = s.failNext[0], s.failNext[1:]
		} else if s.limited > 0 {
			s.limited--
			limited = true
		}
		retryAfter := s.retryAfter
		s.mu.Unlock()
		switch {
		case fail != 0:
			refuse(w, fail, []string{http.StatusText(fail)}, nil)
		case r.Header.Get("Authorization") != want:
			// Jira answers bad credentials with a bare 401.
			w.Header().Set("WWW-Authenticate", `Basic realm="protected-by-api-token"`)
			http.Error(w, "Client must be authenticated to access this resource.", http.StatusUnauthorized)
		case limited:
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", "0")
			refuse(w, http.StatusTooManyRequests, []string{"Rate limit exceeded."}, nil)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func statusByName(name string) (id, category string) {
	for _, st := range statuses {
		if st.name == name {
			return st.id, st.category
		}
	}
	return "", ""
}

func (s *Server) render(i *Issue) map[string]any {
	id, cat := statusByName(i.Status)
	fields := map[string]any{
		"summary":   i.Summary,
		"status":    map[string]any{"id": id, "name": i.Status, "statusCategory": map[string]any{"key": cat}},
		"labels":    i.Labels,
		"issuetype": map[string]any{"id": i.IssueType, "subtask": i.IssueType == TypeSubtask},
	}
	if i.Parent != "" {
		fields["parent"] = map[string]any{"key": i.Parent}
	}
	links := []map[string]any{}
	for _, l := range i.Links {
		links = append(links, map[string]any{"type": map[string]string{"name": "Relates"}, "outwardIssue": map[string]string{"key": l}})
	}
	fields["issuelinks"] = links
	return map[string]any{"id": strings.TrimLeft(i.Key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-"), "key": i.Key,
		"self": s.URL + "/rest/api/3/issue/" + i.Key, "fields": fields}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields struct {
			Project     struct{ Key string }        `json:"project"`
			Summary     string                      `json:"summary"`
			Description map[string]any              `json:"description"`
			IssueType   struct{ ID, Name string }   `json:"issuetype"`
			Assignee    *struct{ AccountID string } `json:"assignee"`
			Labels      []string                    `json:"labels"`
			DueDate     string                      `json:"duedate"`
			Parent      *struct{ Key string }       `json:"parent"`
		} `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in request body"}, nil)
		return
	}
	f := in.Fields
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[f.Project.Key]
	if !ok {
		refuse(w, http.StatusBadRequest, nil, map[string]string{"project": "valid project is required"})
		return
	}
	errs := map[string]string{}
	if strings.TrimSpace(f.Summary) == "" {
		errs["summary"] = "You must specify a summary of the issue."
	}
	if f.Description != nil {
		if err := checkADF(f.Description); err != nil {
			errs["description"] = err.Error()
		}
	}
	typ := ""
	switch {
	case f.IssueType.ID == TypeTask || f.IssueType.Name == "Task":
		typ = TypeTask
	case f.IssueType.ID == TypeSubtask && p.subtasks:
		typ = TypeSubtask
	default:
		errs["issuetype"] = "Specify a valid issue type"
	}
	if typ == TypeSubtask && f.Parent == nil {
		errs["parent"] = "Given parent work item does not belong to appropriate hierarchy."
	}
	if f.Parent != nil {
		if par, ok := s.issues[f.Parent.Key]; !ok || typ != TypeSubtask || par.Parent != "" {
			errs["parent"] = "Given parent work item does not belong to appropriate hierarchy."
		}
	}
	if f.Assignee != nil && !s.knownAccount(f.Assignee.AccountID) {
		errs["assignee"] = "Specify a valid value for assignee"
	}
	for _, l := range f.Labels {
		if strings.ContainsAny(l, " \t") {
			errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
		}
	}
	if f.DueDate != "" {
		if _, err := time.Parse(time.DateOnly, f.DueDate); err != nil {
			errs["duedate"] = "Error parsing date string: " + f.DueDate
		}
	}
	if len(errs) > 0 {
		refuse(w, http.StatusBadRequest, nil, errs)
		return
	}
	p.next++
	i := &Issue{Key: fmt.Sprintf("%s-%d", p.key, p.next), Summary: f.Summary, Description: f.Description, IssueType: typ,
		Status: "To Do", Labels: f.Labels, DueDate: f.DueDate, RemoteLinks: map[string]string{}}
	if f.Assignee != nil {
		i.Assignee = f.Assignee.AccountID
	}
	if f.Parent != nil {
		i.Parent = f.Parent.Key
	}
	s.issues[i.Key] = i
	if s.dropCreate > 0 {
		s.dropCreate--
		refuse(w, http.StatusBadGateway, []string{"Bad Gateway"}, nil)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": strconv.Itoa(10000 + p.next), "key": i.Key, "self": s.URL + "/rest/api/3/issue/" + i.Key})
}

// checkADF checks the shape API v3 requires of a rich-text field.
func checkADF(doc map[string]any) error {
	if doc["type"] != "doc" || doc["version"] != float64(1) {
		return fmt.Errorf("Operation value must be an Atlassian Document (see the Atlassian Document Format)")
	}
	var walk func(n any) error
	walk = func(n any) error {
		m, ok := n.(map[string]any)
		if !ok {
			return fmt.Errorf("ADF node is not an object")
		}
		if m["type"] == "text" {
			if t, _ := m["text"].(string); t == "" {
				return fmt.Errorf("ADF text nodes must not be empty")
			}
		}
		content, _ := m["content"].([]any)
		for _, c := range content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(doc)
}

func (s *Server) knownAccount(id string) bool {
	for _, u := range s.users {
		if u.AccountID == id && u.Active {
			return true
		}
	}
	return false
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *Issue {
	i, ok := s.issues[r.PathValue("key")]
	if !ok {
		refuse(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return nil
	}
	return i
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.lookup(w, r); i != nil {
		writeJSON(w, http.StatusOK, s.render(i))
	}
}

func (s *Server) transitions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.lookup(w, r)
	if i == nil {
		return
	}
	out := []map[string]any{}
	for _, st := range statuses {
		if st.name != i.Status {
			out = append(out, map[string]any{"id": st.transition, "name": st.name,
				"to": map[string]any{"id": st.id, "name": st.name, "statusCategory": map[string]any{"key": st.category}}})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"transitions": out})
}

func (s *Server) transition(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Transition struct{ ID string } `json:"transition"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in request body"}, nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.lookup(w, r)
	if i == nil {
		return
	}
	for _, st := range statuses {
		if st.transition == in.Transition.ID && st.name != i.Status {
			i.Status = st.name
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	refuse(w, http.StatusBadRequest, []string{"Transition id '" + in.Transition.ID + "' is not valid for this issue."}, nil)
}

func (s *Server) remoteLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		GlobalID string `json:"globalId"`
		Object   struct {
			URL   string `json:"url"`
			Title string `json:"title"`
		} `json:"object"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in request body"}, nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.lookup(w, r)
	if i == nil {
		return
	}
	if in.Object.URL == "" || in.Object.Title == "" {
		refuse(w, http.StatusBadRequest, nil, map[string]string{"object": "url and title are required"})
		return
	}
	status := http.StatusCreated
	if _, ok := i.RemoteLinks[in.GlobalID]; ok && in.GlobalID != "" {
		status = http.StatusOK // same global ID: the link is updated
	}
	key := in.GlobalID
	if key == "" {
		key = strconv.Itoa(len(i.RemoteLinks) + 1)
	}
	i.RemoteLinks[key] = in.Object.URL
	writeJSON(w, status, map[string]any{"id": len(i.RemoteLinks), "self": s.URL + "/rest/api/3/issue/" + i.Key + "/remotelink"})
}

func (s *Server) issueLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Type         struct{ Name string } `json:"type"`
		InwardIssue  struct{ Key string }  `json:"inwardIssue"`
		OutwardIssue struct{ Key string }  `json:"outwardIssue"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in request body"}, nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok1 := s.issues[in.InwardIssue.Key]
	b, ok2 := s.issues[in.OutwardIssue.Key]
	if !ok1 || !ok2 {
		refuse(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	if in.Type.Name != "Relates" {
		refuse(w, http.StatusNotFound, []string{"No issue link type with name '" + in.Type.Name + "' found."}, nil)
		return
	}
	a.Links = append(a.Links, b.Key)
	b.Links = append(b.Links, a.Key)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) userSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(r.URL.Query().Get("query"))
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, u := range s.users {
		if q != "" && (strings.ToLower(u.Email) == q || strings.HasPrefix(strings.ToLower(u.AccountID), q)) {
			m := map[string]any{"accountId": u.AccountID, "accountType": "atlassian", "active": u.Active}
			if u.Email != "" {
				m["emailAddress"] = u.Email
			}
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) project(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[r.PathValue("key")]
	if !ok {
		refuse(w, http.StatusNotFound, []string{"No project could be found with key '" + r.PathValue("key") + "'."}, nil)
		return
	}
	types := []map[string]any{{"id": TypeTask, "name": "Task", "subtask": false}}
	if p.subtasks {
		types = append(types, map[string]any{"id": TypeSubtask, "name": "Subtask", "subtask": true})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": "10000", "key": p.key, "issueTypes": types})
}

// The JQL the fake understands: project = "P" AND labels = "L".
var jqlProjectLabel = regexp.MustCompile(`^project = "([^"]+)" AND labels = "([^"]+)"$`)

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	m := jqlProjectLabel.FindStringSubmatch(r.URL.Query().Get("jql"))
	if m == nil {
		refuse(w, http.StatusBadRequest, []string{"Error in the JQL Query: the fake understands only project = \"P\" AND labels = \"L\"."}, nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	issues := []map[string]any{}
	keys := make([]string, 0, len(s.issues))
	for k := range s.issues {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i := s.issues[k]
		if strings.HasPrefix(k, m[1]+"-") && slices.Contains(i.Labels, m[2]) {
			issues = append(issues, s.render(i))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"issues": issues, "isLast": true})
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccountID *string `json:"accountId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in request body"}, nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.lookup(w, r)
	if i == nil {
		return
	}
	if in.AccountID == nil || !s.knownAccount(*in.AccountID) {
		refuse(w, http.StatusBadRequest, nil, map[string]string{"assignee": "Specify a valid value for assignee"})
		return
	}
	i.Assignee = *in.AccountID
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) edit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in request body"}, nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.lookup(w, r)
	if i == nil {
		return
	}
	var summary, due string
	var desc map[string]any
	errs := map[string]string{}
	for f, raw := range in.Fields {
		var err error
		switch f {
		case "summary":
			if err = json.Unmarshal(raw, &summary); err == nil && strings.TrimSpace(summary) == "" {
				errs[f] = "You must specify a summary of the issue."
			}
		case "description":
			if err = json.Unmarshal(raw, &desc); err == nil {
				if cerr := checkADF(desc); cerr != nil {
					errs[f] = cerr.Error()
				}
			}
		case "duedate":
			if err = json.Unmarshal(raw, &due); err == nil {
				if _, perr := time.Parse(time.DateOnly, due); perr != nil {
					errs[f] = "Error parsing date string: " + due
				}
			}
		default:
			errs[f] = "Field '" + f + "' cannot be set. It is not on the appropriate screen, or unknown."
		}
		if err != nil {
			errs[f] = "invalid value"
		}
	}
	if len(errs) > 0 {
		refuse(w, http.StatusBadRequest, nil, errs)
		return
	}
	if summary != "" {
		i.Summary = summary
	}
	if desc != nil {
		i.Description = desc
	}
	if due != "" {
		i.DueDate = due
	}
	w.WriteHeader(http.StatusNoContent)
}
