package telemetry

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	h := m.Middleware(next, []string{"GET /api/v1/incidents/{incident}"})
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
