package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/warroom/warroom"
)

// The browser tests of the alert, on-call, service and people pages, on
// web's harness (browser_test.go): Debian's chromium, headless.

// phone makes a tab a 375-pixel-wide touch screen.
func phone(t *testing.T, ctx context.Context) {
	run(t, ctx, chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
}

// noSideScroll fails the test if the page is wider than the screen.
func noSideScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if w := eval[int](t, ctx, "document.documentElement.scrollWidth - window.innerWidth"); w > 0 {
		t.Fatalf("%s: the page is %dpx wider than the screen", what, w)
	}
}

// TestBrowserAckLinkOnPhone: the link in a page opens, at phone width, a
// page that shows what it acknowledges and a large button, and changes
// nothing until the button is pressed (a POST); pressing it acknowledges
// and says so.
func TestBrowserAckLinkOnPhone(t *testing.T) {
	browser := newBrowser(t)
	p := newPagesEnv(t, "sqlite")
	ada := p.user("ada", warroom.AccountResponder, "")
	a := p.alert("db", "critical", "Primary database unreachable from checkout")
	link, err := url.Parse(p.pager.AckLink(a.ID, ada.ID, p.clock.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, browser)
	phone(t, ctx)
	run(t, ctx, chromedp.Navigate(p.srv.URL+link.Path), chromedp.WaitVisible(chromedp.CSS("form button[type=submit]")))
	page := text(t, ctx, "main")
	for _, want := range []string{"Acknowledge alert", "Primary database unreachable from checkout", "Checkout", "critical", "@ada",
		"Nothing changes until you press the button."} {
		if !strings.Contains(page, want) {
			t.Fatalf("ack page lacks %q:\n%s", want, page)
		}
	}
	noSideScroll(t, ctx, "ack page")
	if w := eval[float64](t, ctx, "document.querySelector('form button').getBoundingClientRect().width"); w < 300 {
		t.Fatalf("the button is %.0fpx wide on a 375px screen; want it across the page", w)
	}
	if h := eval[float64](t, ctx, "document.querySelector('form button').getBoundingClientRect().height"); h < 44 {
		t.Fatalf("the button is %.0fpx high; a thumb needs 44", h)
	}
	if got, _ := p.store.FindAlert(context.Background(), a.ID); got.Status != warroom.AlertFiring {
		t.Fatal("opening the link acknowledged the alert")
	}
	run(t, ctx, chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("h1.done")))
	if got := text(t, ctx, "main"); !strings.Contains(got, "Acknowledged") || !strings.Contains(got, "Paging for it has stopped") {
		t.Fatalf("after pressing: %q", got)
	}
	noSideScroll(t, ctx, "ack result")
	if got, _ := p.store.FindAlert(context.Background(), a.ID); got.Status != warroom.AlertAcknowledged {
		t.Fatalf("alert %s after pressing the button", got.Status)
	}
}

// TestBrowserOverride: an admin creates an override from the schedule
// page, and the page shows it on the overrides row and who is on call.
func TestBrowserOverride(t *testing.T) {
	browser := newBrowser(t)
	p := newPagesEnv(t, "sqlite")
	const pw = "correct horse battery"
	p.user("root", warroom.AccountAdmin, pw)
	ada := p.user("ada", warroom.AccountResponder, "")
	p.user("carol", warroom.AccountResponder, "")
	sc := p.schedule("primary", ada)
	ctx := tab(t, browser)
	signInWith(t, ctx, p.srv.URL, "/oncall/schedules/"+sc.ID, "root", pw)
	// Now is Mar 2 09:00 UTC = 10:00 in Berlin.
	run(t, ctx,
		chromedp.SetValue(chromedp.ID("ov-user"), "carol"),
		chromedp.SetValue(chromedp.ID("ov-start"), "2026-03-02T09:00"),
		chromedp.SetValue(chromedp.ID("ov-end"), "2026-03-02T18:00"),
		chromedp.Click(chromedp.CSS("form[action$='/overrides'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("p.notice[role=status]")),
	)
	if got := text(t, ctx, "p.notice[role=status]"); !strings.Contains(got, "@carol is on call from Mon Mar 2 09:00 CET to Mon Mar 2 18:00 CET") {
		t.Fatalf("notice %q", got)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "On call now: Carol") {
		t.Fatalf("on call now: %q", got)
	}
	if n := eval[int](t, ctx, `[...document.querySelectorAll(".rotation .lane-name")].filter(e => e.textContent == "Overrides").length`); n != 1 {
		t.Fatalf("%d overrides rows", n)
	}
}

// TestBrowserIntegrationKeyOnce: an admin creates an integration and
// sees its key once, with the Alertmanager receiver; the service's page
// never shows it again.
func TestBrowserIntegrationKeyOnce(t *testing.T) {
	browser := newBrowser(t)
	p := newPagesEnv(t, "sqlite")
	const pw = "correct horse battery"
	p.user("root", warroom.AccountAdmin, pw)
	ctx := tab(t, browser)
	signInWith(t, ctx, p.srv.URL, "/services/checkout", "root", pw)
	run(t, ctx,
		chromedp.SetValue(chromedp.ID("ig-kind"), "alertmanager"),
		chromedp.SendKeys(chromedp.ID("ig-name"), "prometheus eu"),
		chromedp.Click(chromedp.CSS("form[action$='/integrations'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("ig-key")),
	)
	key := eval[string](t, ctx, "document.getElementById('ig-key').value")
	snippet := eval[string](t, ctx, "document.getElementById('ig-snippet').value")
	if len(key) != 32 || !strings.Contains(snippet, "webhook_configs:") || !strings.Contains(snippet, p.srv.URL+"/webhook/"+key) {
		t.Fatalf("key %q, snippet:\n%s", key, snippet)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "shown only this once") {
		t.Fatalf("no warning that the key is shown once: %q", got)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS("a.button[href='/services/checkout']")), chromedp.WaitVisible(chromedp.ID("ig-h")))
	if html := eval[string](t, ctx, "document.documentElement.outerHTML"); strings.Contains(html, key) || !strings.Contains(html, "prometheus eu") {
		t.Fatal("the service page shows the key again, or not the integration")
	}
	// Back to the answer of the POST: the browser may not show it from
	// its cache (no-store), and resending asks first.
	if err := chromedp.Do(ctx, chromedp.NavigateBack()); err != nil && !strings.Contains(err.Error(), "ERR_CACHE_MISS") {
		t.Fatal(err)
	}
	if html := eval[string](t, ctx, "document.documentElement.outerHTML"); strings.Contains(html, key) {
		t.Fatal("going back shows the key again")
	}
}

// TestBrowserViewerSeesNoControls: a viewer on the alert, on-call,
// service and people pages finds no form that changes anything (only
// signing out), at phone width, without sideways scrolling.
func TestBrowserViewerSeesNoControls(t *testing.T) {
	browser := newBrowser(t)
	p := newPagesEnv(t, "sqlite")
	const pw = "correct horse battery"
	p.user("vic", warroom.AccountViewer, pw)
	ada := p.user("ada", warroom.AccountResponder, "")
	sc := p.schedule("primary", ada)
	a := p.alert("db", "critical", "Primary database unreachable from checkout")
	ctx := tab(t, browser)
	phone(t, ctx)
	signInWith(t, ctx, p.srv.URL, "/alerts", "vic", pw)
	for _, page := range []string{"/alerts", "/alerts/" + a.ID, "/oncall", "/oncall/schedules/" + sc.ID, "/oncall/policies",
		"/services", "/services/checkout", "/people"} {
		run(t, ctx, chromedp.Navigate(p.srv.URL+page), chromedp.WaitVisible(chromedp.ID("main")))
		forms := eval[[]string](t, ctx, "[...document.querySelectorAll('form[method=post]')].map(f => f.getAttribute('action'))")
		if len(forms) != 1 || forms[0] != "/signout" {
			t.Fatalf("%s: the viewer has POST forms %v", page, forms)
		}
		noSideScroll(t, ctx, page)
	}
}

// noScript turns JavaScript off in a tab: the pages must work without it.
func noScript(t *testing.T, ctx context.Context) {
	run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// TestBrowserPagesForAdmins: every page of an admin at phone width has
// its inputs labelled and no sideways scroll; with JavaScript off, an
// alert is acknowledged and a person added through the plain forms.
func TestBrowserPagesForAdmins(t *testing.T) {
	browser := newBrowser(t)
	p := newPagesEnv(t, "sqlite")
	const pw = "correct horse battery"
	p.user("root", warroom.AccountAdmin, pw)
	ada := p.user("ada", warroom.AccountResponder, "")
	sc := p.schedule("primary", ada)
	a := p.alert("db", "critical", "Primary database unreachable from checkout")
	ctx := tab(t, browser)
	phone(t, ctx)
	signInWith(t, ctx, p.srv.URL, "/alerts", "root", pw)
	unlabelled := `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
		.filter(e => !(e.id && document.querySelector("label[for='" + e.id + "']")) && !e.getAttribute("aria-label"))
		.map(e => e.name || e.outerHTML)`
	for _, page := range []string{"/alerts", "/alerts/" + a.ID, "/oncall", "/oncall/schedules/" + sc.ID, "/oncall/policies",
		"/services", "/services/checkout", "/people", "/people/ada", "/tokens", "/profile"} {
		run(t, ctx, chromedp.Navigate(p.srv.URL+page), chromedp.WaitVisible(chromedp.ID("main")))
		if missing := eval[[]string](t, ctx, unlabelled); len(missing) > 0 {
			t.Fatalf("%s: inputs without a label: %v", page, missing)
		}
		noSideScroll(t, ctx, page)
	}

	noScript(t, ctx)
	run(t, ctx,
		chromedp.Navigate(p.srv.URL+"/alerts/"+a.ID),
		chromedp.Click(chromedp.CSS("form[action$='/acknowledge'] button")),
		chromedp.WaitVisible(chromedp.CSS("p.notice[role=status]")),
	)
	if got, _ := p.store.FindAlert(context.Background(), a.ID); got.Status != warroom.AlertAcknowledged {
		t.Fatalf("without JavaScript, the alert is %s", got.Status)
	}
	run(t, ctx,
		chromedp.Navigate(p.srv.URL+"/people"),
		chromedp.SendKeys(chromedp.ID("u-handle"), "eve"),
		chromedp.SendKeys(chromedp.ID("u-name"), "Eve"),
		chromedp.SendKeys(chromedp.ID("u-email"), "eve@example.com"),
		chromedp.Click(chromedp.CSS("form[action='/people/users'] button")),
		chromedp.WaitVisible(chromedp.CSS("p.notice[role=status]")),
	)
	if _, err := p.store.FindUser(context.Background(), "eve"); err != nil {
		t.Fatalf("without JavaScript, adding a person: %v", err)
	}
}
