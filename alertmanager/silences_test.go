package alertmanager

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// amServer answers like Alertmanager's v2 API with the silences of
// testdata/silences.json, and records the requests.
func amServer(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	body, err := os.ReadFile("testdata/silences.json")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		if r.Method != http.MethodGet || r.URL.Path != "/api/v2/silences" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestCheckDecodesSilences(t *testing.T) {
	srv, seen := amServer(t)
	c := &Client{URLs: []string{srv.URL + "/"}}
	ss, failed := c.Check(context.Background())
	if failed != nil {
		t.Fatalf("failed = %v", failed)
	}
	if !slices.Equal(*seen, []string{"GET /api/v2/silences"}) {
		t.Errorf("requests = %v", *seen)
	}
	if len(ss) != 5 {
		t.Fatalf("%d silences", len(ss))
	}
	first := ss[0]
	if first.State != "active" || first.Source != srv.URL+"/" || first.CreatedBy != "ada" || len(first.Matchers) != 2 ||
		!first.Matchers[1].IsRegex || !first.Matchers[1].IsEqual || first.EndsAt.Hour() != 22 {
		t.Errorf("first = %+v", first)
	}
	// isEqual absent means equal (Alertmanager's default).
	if m := ss[3].Matchers[0]; !m.IsEqual {
		t.Errorf("matcher without isEqual = %+v", m)
	}
	if m := ss[4].Matchers[0]; m.IsEqual {
		t.Errorf("isEqual false decoded as %+v", m)
	}

	// Against the incident's alerts: the active matching silence only
	// (the expired one matches too, the pending one is not active yet,
	// billing's is another service's, staging's another environment's).
	alerts := []map[string]string{
		{"alertname": "CheckoutErrors", "cluster": "eu-1", "service": "checkout", "env": "production"},
		{"alertname": "CheckoutLatency", "cluster": "us-1", "service": "checkout", "env": "production"},
	}
	got := warroom.ActiveMatching(ss, alerts)
	if len(got) != 1 || got[0].ID != "7d9f3a2e-1111-4c6e-9a51-0c2f6b1d0a01" {
		t.Fatalf("matching = %+v", got)
	}
	// With no matching alert left, nothing remains.
	if got := warroom.ActiveMatching(ss, alerts[1:]); len(got) != 0 {
		t.Fatalf("matching = %+v", got)
	}
}

func TestCheckUnreachable(t *testing.T) {
	srv, _ := amServer(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cluster not ready", http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"success","data":[]}`)) // the v1 shape
	}))
	defer garbage.Close()
	withPassword := strings.Replace(broken.URL, "http://", "http://am:secret@", 1)

	c := &Client{URLs: []string{downURL, srv.URL, withPassword, garbage.URL}}
	ss, failed := c.Check(context.Background())
	if len(ss) != 5 {
		t.Errorf("the reachable Alertmanager's silences are kept: %d", len(ss))
	}
	if len(failed) != 3 {
		t.Fatalf("failed = %v", failed)
	}
	if msg := failed[downURL]; !strings.Contains(msg, "connection refused") {
		t.Errorf("down: %q", msg)
	}
	redacted := strings.Replace(broken.URL, "http://", "http://am:xxxxx@", 1)
	if msg := failed[redacted]; msg != "HTTP 503: cluster not ready" {
		t.Errorf("503: %q (failed %v)", msg, failed)
	}
	if msg := failed[garbage.URL]; !strings.HasPrefix(msg, "the answer is not a list of silences") {
		t.Errorf("v1 shape: %q", msg)
	}
	for _, s := range c.Sources() {
		if strings.Contains(s, "secret") {
			t.Errorf("source %s shows the password", s)
		}
	}
}
