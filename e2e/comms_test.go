package e2e_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom/internal/smtptest"
)

// TestCommsServe runs communications through `warroom serve` and the CLI:
// right after declaration the first responder is asked the assessment
// questions by email; a customer update reaches the affected customer's
// contacts with their manager in copy, once, over SMTP; the deliveries
// and the cadence say so.
func TestCommsServe(t *testing.T) {
	smtp := smtptest.New(t, smtptest.Config{})
	s := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"),
		"--smtp-addr", smtp.Addr(), "--smtp-from", "warroom <warroom@example.com>")
	admin := bootstrapAdmin(t, s)
	s.ok(t, admin, "customers", "create", "--name", "Acme", "--contact", "ops@acme.test", "--manager-email", "mia@example.com")
	res := s.result(t, admin, "declare", "--title", "Checkout down", "--severity", "SEV2", "--customers", "Acme", "--customer-impact")
	ref := res.Incident.Ref
	s.ok(t, admin, "updates", "send", ref, "--audience", "customers", "--body", "We are rolling back the deploy.")

	to := func(addr string) []smtptest.Session {
		var out []smtptest.Session
		for _, ss := range smtp.Sessions() {
			if strings.Contains(strings.Join(ss.Rcpts, " "), "<"+addr+">") && ss.Data != "" {
				out = append(out, ss)
			}
		}
		return out
	}
	end := time.Now().Add(deadline)
	for len(to("ops@acme.test")) == 0 || len(to("admin@example.com")) == 0 {
		if time.Now().After(end) {
			t.Fatalf("no customer email or assessment question within %s: %+v\n%s", deadline, smtp.Sessions(), s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cust := to("ops@acme.test")
	if len(cust) != 1 || !strings.Contains(strings.Join(cust[0].Rcpts, " "), "<mia@example.com>") ||
		!strings.Contains(cust[0].Data, "Cc: <mia@example.com>") || !strings.Contains(cust[0].Data, "rolling back") {
		t.Errorf("customer email %+v", cust)
	}
	if ask := to("admin@example.com")[0]; !strings.Contains(ask.Data, "assess the impact") {
		t.Errorf("assessment question %s", ask.Data)
	}
	if out := s.ok(t, admin, "updates", "deliveries", ref); !strings.Contains(out, "ops@acme.test") || !strings.Contains(out, "sent") {
		t.Errorf("deliveries:\n%s", out)
	}
	if out := s.ok(t, admin, "updates", "cadence", ref); !strings.Contains(out, "customers") {
		t.Errorf("cadence:\n%s", out)
	}
}
