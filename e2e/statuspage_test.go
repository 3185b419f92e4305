package e2e_test

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatusPageServe runs the status page through `warroom serve` and
// the CLI: a component from a service, an incident made public under its
// published title, a customer update; the page on --status-listen shows
// them (and never the internal title), serves nothing but the status
// routes, and is also at /status on the main listener.
func TestStatusPageServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	statusAddr := ln.Addr().String()
	ln.Close()
	s := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"), "--status-listen", statusAddr,
		"--status-name", "Acme Cloud", "--status-links", "Support=https://acme.test/support")
	admin := bootstrapAdmin(t, s)
	s.ok(t, admin, "service", "create", "--slug", "db", "--name", "Database")
	s.ok(t, admin, "status", "component-add", "--name", "API", "--service", "db")
	ref := s.result(t, admin, "declare", "--title", "INTERNAL primary OOM", "--severity", "SEV1", "--service", "db").Incident.Ref
	s.ok(t, admin, "status", "publish", ref, "--title", "Elevated API errors")
	s.ok(t, admin, "updates", "send", ref, "--audience", "customers", "--body", "We are rolling back the deploy.")

	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	public := "http://" + statusAddr
	end := time.Now().Add(deadline)
	for {
		code, page := get(public + "/status")
		if code == 200 && strings.Contains(page, "We are rolling back the deploy.") && strings.Contains(page, "Major outage") {
			if !strings.Contains(page, "Elevated API errors") || strings.Contains(page, "INTERNAL") || !strings.Contains(page, "Acme Cloud") {
				t.Errorf("page:\n%s", page)
			}
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the page never showed the update: %d\n%s\n%s", code, page, s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for path, want := range map[string]int{"/status/feed.atom": 200, "/status/status.json": 200, "/api/v1/incidents": 404, "/healthz": 404, "/signin": 404} {
		if code, _ := get(public + path); code != want {
			t.Errorf("status listener %s: %d, want %d", path, code, want)
		}
	}
	if code, page := get(s.url + "/status"); code != 200 || !strings.Contains(page, "Elevated API errors") {
		t.Errorf("main listener /status: %d", code)
	}
	if out := s.ok(t, admin, "status", "history", "API"); !strings.Contains(out, "major_outage") || !strings.Contains(out, "incident") {
		t.Errorf("history:\n%s", out)
	}
}
