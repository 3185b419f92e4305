package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/statuspage"
)

// statusEnv is a server whose web UI has the status page's admin screen,
// with the public page at /status as warroom serve mounts it.
type statusEnv struct {
	*env
	sp     *statuspage.Service
	comms  *comms.Service
	public *httptest.Server
}

func newStatusEnv(t *testing.T, db string) *statusEnv {
	st := openStore(t, testDSN(t, db))
	se := &statusEnv{}
	se.env = newEnvOn(t, st, func(c *Config) {
		reg, _ := notify.NewRegistry()
		var err error
		se.comms, err = comms.New(comms.Config{Store: st, Incidents: c.Incidents, Now: c.Now, Policy: c.Incidents.Policy, Sender: reg})
		if err != nil {
			t.Fatal(err)
		}
		se.sp, err = statuspage.New(statuspage.Config{Store: st, Now: c.Now, Key: []byte("k"), Name: "Acme Cloud"})
		if err != nil {
			t.Fatal(err)
		}
		c.Comms, c.StatusPage = se.comms, se.sp
	})
	st.SetIncidentReactor(se.sp.Reactor())
	pub := se.sp.Handler()
	se.public = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/status/") || r.URL.Path == "/status" {
			pub.ServeHTTP(w, r)
			return
		}
		se.h.ServeHTTP(w, r)
	}))
	t.Cleanup(se.public.Close)
	return se
}

// TestStatusAdmin: an admin adds a component; a responder sets its status
// (a reason is required: refused with the message and what was typed),
// makes an incident public under a published title (a private incident is
// refused), and schedules maintenance; a viewer sees no controls and is
// refused before anything is written; a forged CSRF token is refused.
func TestStatusAdmin(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newStatusEnv(t, db)
		ctx := context.Background()
		if err := e.store.CreateService(ctx, &warroom.Service{Slug: "checkout", Name: "Checkout"}); err != nil {
			t.Fatal(err)
		}
		root, _ := e.signedIn("root", warroom.AccountAdmin)
		ada, adaUser := e.signedIn("ada", warroom.AccountResponder)
		vic, _ := e.signedIn("vic", warroom.AccountViewer)
		if res, body := root.get("/status-admin"); res.StatusCode != 200 || !strings.Contains(body, "Add a component") {
			t.Fatalf("admin screen %d", res.StatusCode)
		}
		if res, _ := ada.post("/status-admin/components", url.Values{"name": {"Checkout"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("responder added a component: %d", res.StatusCode)
		}
		if res, _ := root.post("/status-admin/components", url.Values{"name": {"Checkout"}, "services": {"checkout"}}); res.StatusCode >= 400 {
			t.Fatalf("add component: %d", res.StatusCode)
		}
		cs, _ := e.sp.Components(ctx)
		if len(cs) != 1 || len(cs[0].ServiceIDs) != 1 {
			t.Fatalf("components %+v", cs)
		}
		ada.get("/status-admin")
		if res, body := ada.post("/status-admin/components/"+cs[0].ID+"/status", url.Values{"status": {"major_outage"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "say why") {
			t.Errorf("no reason: %d", res.StatusCode)
		}
		inc := e.declare(adaUser, "INTERNAL db primary oom", false)
		priv := e.declare(adaUser, "PRIVATE payroll", true)
		ada.get("/status-admin")
		if res, body := ada.post("/status-admin/publish", url.Values{"incident": {priv.Ref}, "title": {"Payroll"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "private") ||
			!strings.Contains(body, `value="Payroll"`) {
			t.Errorf("private incident: %d", res.StatusCode)
		}
		vic.get("/status-admin")
		if res, body := vic.get("/status-admin"); res.StatusCode != 200 || strings.Contains(body, "Make public") {
			t.Errorf("viewer sees controls (%d)", res.StatusCode)
		}
		if res, _ := vic.post("/status-admin/publish", url.Values{"incident": {inc.Ref}, "title": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer published: %d", res.StatusCode)
		}
		if res, _ := ada.post("/status-admin/publish", url.Values{"csrf": {"forged"}, "incident": {inc.Ref}, "title": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("forged CSRF: %d", res.StatusCode)
		}
		if _, err := e.sp.PublicRecord(ctx, adaUser.Actor(), inc.Ref); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("made public by a refused request: %v", err)
		}
		ada.get("/status-admin")
		if res, _ := ada.post("/status-admin/publish", url.Values{"incident": {inc.Ref}, "title": {"Checkout errors"}}); res.StatusCode >= 400 {
			t.Fatalf("publish: %d", res.StatusCode)
		}
		ada.get("/status-admin")
		if res, body := ada.post("/status-admin/maintenance", url.Values{"title": {"DB upgrade"}, "starts_at": {"2026-03-03T02:00"},
			"ends_at": {"2026-03-03T03:00"}, "components": {cs[0].ID}}); res.StatusCode >= 400 {
			t.Fatalf("maintenance: %d %s", res.StatusCode, body)
		}
		res, err := http.Get(e.public.URL + "/status")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		page := string(b)
		if !strings.Contains(page, "Checkout errors") || strings.Contains(page, "INTERNAL") || !strings.Contains(page, "DB upgrade") {
			t.Errorf("public page:\n%s", page)
		}
	})
}

// TestStatusBrowserLeak loads the public page, an incident's page and
// the JSON and the feed in headless Chromium: the published title
// and the customer update are there, none of the internal text is.
func TestStatusBrowserLeak(t *testing.T) {
	e := newStatusEnv(t, "sqlite")
	browser := newBrowser(t)
	ctx := context.Background()
	if err := e.store.CreateService(ctx, &warroom.Service{Slug: "db", Name: "Database"}); err != nil {
		t.Fatal(err)
	}
	admin := warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
	if _, err := e.sp.CreateComponent(ctx, admin, statuspage.ComponentInput{Name: "API", Services: []string{"db"}}); err != nil {
		t.Fatal(err)
	}
	ada := e.user("ada", warroom.AccountResponder, "")
	svc, _ := e.store.FindService(ctx, "db")
	res, err := e.incidents.Declare(ctx, ada.Actor(), warroom.Declaration{Title: "INTERNAL-TITLE-db-oom", Severity: warroom.SEV1,
		Summary: "SECRET-SUMMARY", Impact: warroom.Impact{ServiceIDs: []string{svc.ID}}}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "SECRET-NOTE-rotate-keys"})
	priv := e.declare(ada, "PRIVATE-INCIDENT-payroll", true)
	for _, u := range []struct {
		ref  string
		a    warroom.Audience
		body string
	}{{inc.Ref, warroom.AudienceInternal, "INTERNAL-UPDATE-broke-it"}, {priv.Ref, warroom.AudienceCustomers, "PRIVATE-CUSTOMER-UPDATE"}} {
		if _, err := e.comms.SendUpdate(ctx, ada.Actor(), u.ref, comms.UpdateInput{Audience: u.a, Subject: "s", Body: u.body}, warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	pub, err := e.sp.MakePublic(ctx, ada.Actor(), inc.Ref, warroom.MakePublic{Title: "Elevated API errors"}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.comms.SendUpdate(ctx, ada.Actor(), inc.Ref, comms.UpdateInput{Audience: warroom.AudienceCustomers, Subject: "s",
		Body: "We are rolling back a change."}, warroom.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	e.sp.Invalidate()
	tabCtx := tab(t, browser)
	// The page has no script, and its Content-Security-Policy (default-src
	// 'none') would refuse one: what the browser shows is what a browser
	// with JavaScript off shows.
	for _, path := range []string{"/status", "/status/incidents/" + pub.Slug, "/status/status.json", "/status/feed.atom"} {
		run(t, tabCtx, chromedp.Navigate(e.public.URL+path))
		html, err := chromedp.Run(tabCtx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"INTERNAL-TITLE", "SECRET-SUMMARY", "SECRET-NOTE", "PRIVATE-INCIDENT", "INTERNAL-UPDATE", "PRIVATE-CUSTOMER-UPDATE", "@ada", inc.Ref} {
			if strings.Contains(html, s) {
				t.Errorf("%s shows %q in the browser", path, s)
			}
		}
		if !strings.Contains(html, "Elevated API errors") {
			t.Errorf("%s lacks the published title", path)
		}
		if path != "/status/feed.atom" && !strings.Contains(html, "We are rolling back a change.") {
			t.Errorf("%s lacks the customer update", path)
		}
	}
	// At phone width the page does not scroll sideways.
	run(t, tabCtx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(e.public.URL+"/status"))
	wide, err := chromedp.Run(tabCtx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth"))
	if err != nil || wide {
		t.Errorf("the page scrolls sideways at 375px (%v)", err)
	}
}
