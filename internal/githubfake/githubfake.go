// Package githubfake is a local GitHub REST API (the Issues part warroom
// uses) for tests: repositories with issues, comments, assignable users
// and users found by email, answering like GitHub, including its errors
// (401 bad credentials, 404, 410 issues disabled, 422 validation) and its
// rate limits (403 with X-RateLimit-Remaining: 0 and X-RateLimit-Reset, and
// secondary limits with Retry-After), plus outages a test switches on.
package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Issue is an issue as the fake keeps it.
type Issue struct {
	Number      int64
	Title       string
	Body        string
	State       string // open, closed
	StateReason string
	Assignees   []string
	Labels      []string
	Comments    []string
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Token string // the token it accepts

	mu         sync.Mutex
	repos      map[string]*repo // "owner/repo"
	assignable map[string]bool  // logins
	emails     map[string]string
	failNext   []int // statuses to answer the next requests with
	dropCreate int   // creations whose answer is lost (made, then 502)
	rateLimit  int   // requests answered with the primary rate limit
	resetAt    time.Time
	secondary  int // requests answered with a secondary limit
	retryAfter int
	requests   []string
}

type repo struct {
	issues   []*Issue
	disabled bool
}

// New starts a fake that accepts token and has the repositories named.
func New(token string, repos ...string) *Server {
	s := &Server{Token: token, repos: map[string]*repo{}, assignable: map[string]bool{}, emails: map[string]string{}}
	for _, r := range repos {
		s.repos[r] = &repo{}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues", s.create)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues", s.list)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{n}", s.get)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/{n}", s.patch)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{n}/comments", s.comments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{n}/comments", s.comment)
	mux.HandleFunc("GET /repos/{owner}/{repo}/assignees/{login}", s.checkAssignee)
	mux.HandleFunc("GET /search/users", s.searchUsers)
	s.Server = httptest.NewServer(s.guard(mux))
	return s
}

// AddUser makes login assignable and findable by email (public email).
func (s *Server) AddUser(login, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assignable[login] = true
	if email != "" {
		s.emails[strings.ToLower(email)] = login
	}
}

// DisableIssues makes the repository answer 410 Gone, as GitHub does when
// its issues are turned off.
func (s *Server) DisableIssues(repo string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[repo].disabled = true
}

// FailNext answers the next len(statuses) requests with those statuses.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, statuses...)
}

// DropCreateAnswers makes the next n creations make their issue and then
// answer 502, as a proxy that lost the answer would.
func (s *Server) DropCreateAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropCreate = n
}

// RateLimitNext answers the next n requests 403 with
// X-RateLimit-Remaining: 0 and X-RateLimit-Reset: reset.
func (s *Server) RateLimitNext(n int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit, s.resetAt = n, reset
}

// SecondaryLimitNext answers the next n requests 429 with Retry-After.
func (s *Server) SecondaryLimitNext(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secondary, s.retryAfter = n, int(retryAfter/time.Second)
}

// Issues returns a copy of repo's issues.
func (s *Server) Issues(repo string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, i := range s.repos[repo].issues {
		c := *i
		c.Comments = slices.Clone(i.Comments)
		out = append(out, c)
	}
	return out
}

// SetState changes an issue as a person on GitHub would.
func (s *Server) SetState(repo string, number int64, state, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.repos[repo].issues[number-1]
	i.State, i.StateReason = state, reason
}

// Requests returns "METHOD PATH" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

// guard answers authentication, rate limits and injected failures before
// the route.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		var fail, limited, secondary int
		if len(s.failNext) > 0 {
			fail, s.failNext = s.failNext[0], s.failNext[1:]
		} else if s.rateLimit > 0 {
			s.rateLimit--
			limited = 1
		} else if s.secondary > 0 {
			s.secondary--
			secondary = 1
		}
		reset, retryAfter := s.resetAt, s.retryAfter
		s.mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", "5000")
		switch {
		case fail != 0:
			message(w, fail, http.StatusText(fail))
			return
		case r.Header.Get("Authorization") != "Bearer "+s.Token:
			message(w, http.StatusUnauthorized, "Bad credentials")
			return
		case limited > 0:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			message(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
			return
		case secondary > 0:
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			message(w, http.StatusTooManyRequests, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "4999")
		next.ServeHTTP(w, r)
	})
}

// repo returns the request's repository, answering 404 or 410 itself.
func (s *Server) repo(w http.ResponseWriter, r *http.Request) *repo {
	rp, ok := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	if !ok {
		message(w, http.StatusNotFound, "Not Found")
		return nil
	}
	if rp.disabled {
		message(w, http.StatusGone, "Issues are disabled for this repo")
		return nil
	}
	return rp
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, rp *repo) *Issue {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n < 1 || n > int64(len(rp.issues)) {
		message(w, http.StatusNotFound, "Not Found")
		return nil
	}
	return rp.issues[n-1]
}

func (s *Server) render(r *http.Request, i *Issue) map[string]any {
	full := r.PathValue("owner") + "/" + r.PathValue("repo")
	var assignees, labels []map[string]string
	for _, a := range i.Assignees {
		assignees = append(assignees, map[string]string{"login": a})
	}
	for _, l := range i.Labels {
		labels = append(labels, map[string]string{"name": l})
	}
	var reason any
	if i.StateReason != "" {
		reason = i.StateReason
	}
	return map[string]any{
		"id": 1000 + i.Number, "number": i.Number, "title": i.Title, "body": i.Body,
		"state": i.State, "state_reason": reason, "assignees": assignees, "labels": labels,
		"html_url": fmt.Sprintf("https://github.com/%s/issues/%d", full, i.Number),
		"url":      fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, full, i.Number),
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title     string   `json:"title"`
		Body      string   `json:"body"`
		Assignees []string `json:"assignees"`
		Labels    []string `json:"labels"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		message(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(w, r)
	if rp == nil {
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
			"errors": []map[string]string{{"resource": "Issue", "field": "title", "code": "missing_field"}}})
		return
	}
	for _, a := range in.Assignees {
		if !s.assignable[a] {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "Issue", "field": "assignees", "code": "invalid", "value": a}}})
			return
		}
	}
	i := &Issue{Number: int64(len(rp.issues) + 1), Title: in.Title, Body: in.Body, State: "open", Assignees: in.Assignees, Labels: in.Labels}
	rp.issues = append(rp.issues, i)
	if s.dropCreate > 0 {
		s.dropCreate--
		message(w, http.StatusBadGateway, "Server Error")
		return
	}
	writeJSON(w, http.StatusCreated, s.render(r, i))
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(w, r)
	if rp == nil {
		return
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	state := r.URL.Query().Get("state")
	out := []map[string]any{}
	for k := len(rp.issues) - 1; k >= 0 && len(out) < per; k-- { // sort=created, direction=desc
		i := rp.issues[k]
		if state == "all" || (state == "" && i.State == "open") || state == i.State {
			out = append(out, s.render(r, i))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repo(w, r); rp != nil {
		if i := s.issue(w, r, rp); i != nil {
			writeJSON(w, http.StatusOK, s.render(r, i))
		}
	}
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State       *string   `json:"state"`
		StateReason *string   `json:"state_reason"`
		Assignees   *[]string `json:"assignees"`
		Title       *string   `json:"title"`
		Body        *string   `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		message(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(w, r)
	if rp == nil {
		return
	}
	i := s.issue(w, r, rp)
	if i == nil {
		return
	}
	if in.Title != nil {
		if strings.TrimSpace(*in.Title) == "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "Issue", "field": "title", "code": "missing_field"}}})
			return
		}
		i.Title = *in.Title
	}
	if in.Body != nil {
		i.Body = *in.Body
	}
	if in.Assignees != nil {
		for _, a := range *in.Assignees {
			if !s.assignable[a] {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
					"errors": []map[string]string{{"resource": "Issue", "field": "assignees", "code": "invalid", "value": a}}})
				return
			}
		}
		i.Assignees = slices.Clone(*in.Assignees)
	}
	if in.State != nil {
		if *in.State != "open" && *in.State != "closed" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "Issue", "field": "state", "code": "invalid"}}})
			return
		}
		i.State = *in.State
		i.StateReason = ""
	}
	if in.StateReason != nil {
		switch *in.StateReason {
		case "completed", "not_planned", "reopened", "duplicate":
			i.StateReason = *in.StateReason
		default:
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "Issue", "field": "state_reason", "code": "invalid"}}})
			return
		}
	}
	writeJSON(w, http.StatusOK, s.render(r, i))
}

func (s *Server) comments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(w, r)
	if rp == nil {
		return
	}
	i := s.issue(w, r, rp)
	if i == nil {
		return
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	page = max(page, 1)
	out := []map[string]any{}
	for k := (page - 1) * per; k < len(i.Comments) && len(out) < per; k++ {
		out = append(out, map[string]any{"id": k + 1, "body": i.Comments[k]})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		message(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(w, r)
	if rp == nil {
		return
	}
	i := s.issue(w, r, rp)
	if i == nil {
		return
	}
	if in.Body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
			"errors": []map[string]string{{"resource": "IssueComment", "field": "body", "code": "missing_field"}}})
		return
	}
	i.Comments = append(i.Comments, in.Body)
	writeJSON(w, http.StatusCreated, map[string]any{"id": len(i.Comments), "body": in.Body})
}

func (s *Server) checkAssignee(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repo(w, r); rp == nil {
		return
	}
	if !s.assignable[r.PathValue("login")] {
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	email, ok := strings.CutSuffix(q, " in:email")
	if !ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed"})
		return
	}
	s.mu.Lock()
	login, found := s.emails[strings.ToLower(strings.TrimSpace(email))]
	s.mu.Unlock()
	items := []map[string]any{}
	if found {
		items = append(items, map[string]any{"login": login, "type": "User"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
}
