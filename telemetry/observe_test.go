package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestMiddlewareLabelsByPattern: a request is timed under the route
// pattern it matches, never its path; live streams are not timed; GET
// /metrics is served, not passed on.
func TestMiddlewareLabelsByPattern(t *testing.T) {
	m := New(nil, nil, nil)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/stream") {
			w.Header().Set("Content-Type", "text/event-stream")
		}
		if r.URL.Path == "/metrics" {
			t.Error("/metrics was passed on")
		}
		w.WriteHeader(http.StatusTeapot)
	})
	h := m.Middleware(next, Patterns([]string{"GET /api/v1/incidents/{incident}"}))
	for _, path := range []string{"/api/v1/incidents/INC-41", "/api/v1/incidents/INC-42", "/incidents/INC-42/stream", "/profile"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`warroom_http_request_duration_seconds_count{code="418",method="GET",route="GET /api/v1/incidents/{incident}"} 2`,
		`warroom_http_request_duration_seconds_count{code="418",method="GET",route="other"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "INC-4") {
		t.Errorf("a path reached a label:\n%s", body)
	}
}

// TestMetricsNeedAnAdminToken: with AdminToken, /metrics answers an
// admin's token only (it counts private incidents), 401 otherwise.
func TestMetricsNeedAnAdminToken(t *testing.T) {
	users := map[string]*warroom.User{
		warroom.HashTokenSecret("wr_admin"): {Handle: "root", Role: warroom.AccountAdmin},
		warroom.HashTokenSecret("wr_ada"):   {Handle: "ada", Role: warroom.AccountResponder},
	}
	auth := func(_ context.Context, hash string, _ time.Time) (*warroom.User, error) {
		if u := users[hash]; u != nil {
			return u, nil
		}
		return nil, warroom.Errorf(warroom.EUnauthorized, "unknown token")
	}
	m := New(nil, nil, nil)
	m.Authorize = AdminToken(auth, time.Now)
	h := m.Middleware(http.NotFoundHandler(), Patterns(nil))
	for token, want := range map[string]int{"": 401, "wr_nope": 401, "wr_ada": 401, "wr_admin": 200} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want || (want == 200) != strings.Contains(rec.Body.String(), "warroom_alerts_received_total") {
			t.Errorf("token %q: %d, want %d", token, rec.Code, want)
		}
	}
}
