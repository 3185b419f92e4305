package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/httpapi"
	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/oncall"
	"github.com/warroom/warroom/paging"
)

// pagesEnv is a server with paging, as warroom serve runs it: the web UI
// and the API share one pager, mails go to a real SMTP server in the
// test.
type pagesEnv struct {
	*env
	pager *paging.Pager
	smtp  *smtptest.Server
	svc   *warroom.Service
	ig    *warroom.Integration
}

func newPagesEnv(t testing.TB, db string) *pagesEnv {
	t.Helper()
	p := &pagesEnv{smtp: smtptest.New(t, smtptest.Config{})}
	st := openStore(t, testDSN(t, db))
	p.env = newEnvOn(t, st, func(c *Config) {
		mailer, err := email.New(email.Config{Addr: p.smtp.Addr(), From: "Warroom <warroom@example.com>", HelloName: "test"}, c.Now)
		if err != nil {
			t.Fatal(err)
		}
		reg, err := notify.NewRegistry(mailer)
		if err != nil {
			t.Fatal(err)
		}
		p.pager, err = paging.New(paging.Config{Store: st, Incidents: c.Incidents, Now: c.Now, Notifiers: reg,
			AckSecret: []byte("ack-secret-0123456789abcdef"), BaseURL: "http://warroom.test", Owner: "test"})
		if err != nil {
			t.Fatal(err)
		}
		api := httpapi.New(httpapi.Config{Incidents: c.Incidents, Store: st, Now: c.Now, Paging: p.pager})
		t.Cleanup(func() { api.Close() })
		c.API, c.Pages = api, PagesConfig{Paging: p.pager}
	})
	ctx := context.Background()
	p.svc = &warroom.Service{Slug: "checkout", Name: "Checkout"}
	if err := st.CreateService(ctx, p.svc); err != nil {
		t.Fatal(err)
	}
	// Alerts wait for a person: the tests decide what becomes of them.
	if err := st.SetServicePaging(ctx, warroom.ServicePaging{ServiceID: p.svc.ID,
		AlertRules: []warroom.AlertRule{{MinSeverity: "critical", Action: warroom.AlertDeclare, IncidentSeverity: warroom.SEV1},
			{MinSeverity: "info", Action: warroom.AlertWait}}}); err != nil {
		t.Fatal(err)
	}
	p.ig = &warroom.Integration{ServiceID: p.svc.ID, Kind: warroom.IntegrationWebhook, Name: "monitoring"}
	if err := st.CreateIntegration(ctx, p.ig, warroom.HashTokenSecret("key-checkout-0123456789")); err != nil {
		t.Fatal(err)
	}
	return p
}

// alert stores a firing alert as a sender would and returns it.
func (p *pagesEnv) alert(key, severity, summary string) *warroom.Alert {
	p.t.Helper()
	res, err := p.store.IngestAlerts(context.Background(), []warroom.IngestRequest{{Integration: p.ig, ReceivedAt: p.clock.Now(),
		Updates: []warroom.AlertUpdate{{Action: "trigger", Alert: warroom.Alert{DedupKey: key, Severity: severity, Summary: summary,
			Source: "prometheus", StartsAt: p.clock.Now().Add(-time.Minute)}}}}})
	if err != nil {
		p.t.Fatal(err)
	}
	a, err := p.store.FindAlert(context.Background(), res[0][0].AlertID)
	if err != nil {
		p.t.Fatal(err)
	}
	p.clock.Advance(time.Second) // alerts are listed newest first
	return a
}

// schedule stores a schedule in Europe/Berlin whose one layer hands
// over daily at 09:00 between the users.
func (p *pagesEnv) schedule(name string, users ...*warroom.User) *oncall.Schedule {
	p.t.Helper()
	start, _ := oncall.ParseLocalTime("2026-03-01T09:00")
	sc := &oncall.Schedule{Name: name, TimeZone: "Europe/Berlin",
		Layers: []oncall.Layer{{Name: "daily", Start: start, Shift: oncall.Days(1)}}}
	for _, u := range users {
		sc.Layers[0].Participants = append(sc.Layers[0].Participants, u.ID)
	}
	if err := p.store.CreateSchedule(context.Background(), sc); err != nil {
		p.t.Fatal(err)
	}
	return sc
}

// want fails the test unless the answer has status and every part.
func want(t testing.TB, what string, resp *http.Response, body string, status int, parts ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, body)
	}
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Fatalf("%s: no %q in\n%s", what, p, body)
		}
	}
}

// wantNot fails the test if the body has any of parts.
func wantNot(t testing.TB, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Fatalf("%s: %q should not be there in\n%s", what, p, body)
		}
	}
}
