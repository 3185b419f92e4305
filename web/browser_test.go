package web

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/warroom/warroom"
)

// Browser tests drive Debian's chromium headless from go test. Where it is
// missing they are skipped with how to run them, except in CI (CI=true),
// where they fail: .ci/run installs chromium.

// chromiumPath finds the browser, or skips (fails in CI).
func chromiumPath(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser tests need Chromium: install it with `apt-get install -y chromium` (Debian) and run `go test ./web -run Browser`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: .ci/run installs it; it is missing)")
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium with an empty profile and returns
// a context for it; each tab of it (tab) is a separate browser session
// with its own cookies.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	// Start the browser (its first tab stays blank).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// tab opens a new browser session (its own cookie jar) of the browser.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// run runs browser actions with a bound on how long they may hang.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// text returns the innerText of the first element matching css, waiting
// until one is there. It reads through one JavaScript evaluation rather
// than DOM node IDs: a click that navigates swaps the document, and a node
// ID taken from the page being left fails with "No node with given id".
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	sel, _ := json.Marshal(css)
	js := `(() => { const e = document.querySelector(` + string(sel) + `); return e ? [e.innerText] : []; })()`
	deadline := time.Now().Add(20 * time.Second)
	for {
		found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err == nil && len(found) == 1 {
			return found[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("text of %s: not found in 20s (last error: %v)", css, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// signInWith signs a browser session in through the sign-in form, from
// the page it wanted, and checks it lands back there.
func signInWith(t *testing.T, ctx context.Context, base, page, login, pw string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(base+page),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS("form[action='/signin'] button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("main")),
	)
	loc := eval[string](t, ctx, "location.pathname + location.search")
	if loc != page {
		t.Fatalf("after signing in as %s: at %s, want %s", login, loc, page)
	}
}

// waitJS waits until the JavaScript expression js is true in the page.
func waitJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %s (last error: %v)", js, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitLive waits until the page's live stream is connected.
func waitLive(t *testing.T, ctx context.Context) {
	run(t, ctx, chromedp.WaitReady(chromedp.CSS("body[data-live=open]")))
}

func TestBrowserIncidentFlow(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t, "sqlite")
	const pw = "correct horse battery"
	e.user("ada", warroom.AccountResponder, pw)
	e.user("bob", warroom.AccountResponder, pw)
	e.user("vic", warroom.AccountViewer, pw)
	e.user("carol", warroom.AccountResponder, pw)
	base := e.srv.URL
	ada, bob := tab(t, browser), tab(t, browser)

	// Sign in with a password; the sign-in returns to the page asked for.
	signInWith(t, ada, base, "/incidents", "ada", pw)

	// Declare through the form.
	run(t, ada,
		chromedp.Click(chromedp.CSS("a[href='/incidents/new']")),
		chromedp.WaitVisible(chromedp.ID("d-title")),
		chromedp.SendKeys(chromedp.ID("d-title"), "Checkout returns 500"),
		chromedp.Click(chromedp.CSS("input[name=severity][value=SEV2]")),
		chromedp.Click(chromedp.CSS("form[action='/incidents'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("incident-state")),
	)
	if got := text(t, ada, ".incident-head h1"); !strings.Contains(got, "INC-1") || !strings.Contains(got, "Checkout returns 500") {
		t.Fatalf("incident page heading %q", got)
	}

	// Assign the Incident Commander.
	run(t, ada,
		chromedp.SetValue(chromedp.ID("role-role"), "incident_commander"),
		chromedp.Click(chromedp.CSS("form[action='/incidents/INC-1/roles'] button[type=submit]")),
	)
	waitJS(t, ada, `document.querySelector("table.roles").innerText.includes("Incident Commander\t@ada")`)
	if roles := text(t, ada, "table.roles"); !strings.Contains(roles, "Incident Commander\t@ada") || !strings.Contains(roles, "implicitly, as IC") {
		t.Fatalf("roles after assigning the IC: %q", roles)
	}

	// A second session follows the page live.
	signInWith(t, bob, base, "/incidents/INC-1", "bob", pw)
	waitLive(t, bob)
	eval[bool](t, bob, "window.notReloaded = true")

	// A decision with its reason and trade-off, from the keyboard.
	run(t, ada,
		chromedp.Click(chromedp.CSS("input[name=type][value=decision]")),
		chromedp.SendKeys(chromedp.ID("c-text"), "Roll back release 1.42"),
		chromedp.SetValue(chromedp.ID("c-reason"), "errors began with the deploy"),
		chromedp.SetValue(chromedp.ID("c-tradeoff"), "the new banner is gone for a while"),
		chromedp.Focus(chromedp.ID("c-text")),
	)
	sent := time.Now()
	run(t, ada, chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	run(t, bob, chromedp.WaitVisible(chromedp.CSS("#timeline li.entry-decision")))
	latency := time.Since(sent)
	t.Logf("the decision reached the second session %s after Ctrl+Enter", latency)
	entry := text(t, bob, "#timeline li.entry-decision")
	for _, want := range []string{"Roll back release 1.42", "errors began with the deploy", "the new banner is gone for a while"} {
		if !strings.Contains(entry, want) {
			t.Fatalf("second session's entry %q lacks %q", entry, want)
		}
	}
	if !eval[bool](t, bob, "window.notReloaded === true") {
		t.Fatal("the second session reloaded the page")
	}
	// The author's composer is empty again and the entry is on its page too.
	run(t, ada, chromedp.WaitVisible(chromedp.CSS("#timeline li.entry-decision")))
	if v := eval[string](t, ada, "document.getElementById('c-text').value"); v != "" {
		t.Fatalf("composer kept %q after sending", v)
	}

	// Stage change through the buttons the rules allow.
	stages := eval[[]string](t, ada, "[...document.querySelectorAll(\"form[action$='/stage'] button[name=stage]\")].map(b => b.value)")
	if strings.Join(stages, ",") != "investigating,identified,mitigated,recovered" {
		t.Fatalf("stage buttons %v", stages)
	}
	run(t, ada,
		chromedp.Click(chromedp.CSS("button[name=stage][value=investigating]")),
		chromedp.WaitVisible(chromedp.CSS(".incident-head .stage-investigating")),
	)
	// The other session's state panel follows, still without a reload.
	run(t, bob, chromedp.WaitVisible(chromedp.CSS(".incident-head .stage-investigating")))
	if !eval[bool](t, bob, "window.notReloaded === true") {
		t.Fatal("the second session reloaded the page")
	}

	// A viewer sees no control that changes anything.
	vic := tab(t, browser)
	signInWith(t, vic, base, "/incidents/INC-1", "vic", pw)
	forms := eval[[]string](t, vic, "[...document.querySelectorAll('form[method=post]')].map(f => f.getAttribute('action'))")
	if len(forms) != 1 || forms[0] != "/signout" {
		t.Fatalf("viewer's POST forms: %v", forms)
	}
	if n := eval[int](t, vic, "document.querySelectorAll('#composer, button[name=stage], #role-role').length"); n != 0 {
		t.Fatalf("viewer sees %d controls", n)
	}

	// A private incident is invisible to a non-participant.
	run(t, ada,
		chromedp.Navigate(base+"/incidents/new"),
		chromedp.WaitVisible(chromedp.ID("d-title")),
		chromedp.SendKeys(chromedp.ID("d-title"), "Payroll export leaked"),
		chromedp.Click(chromedp.CSS("input[name=private]")),
		chromedp.Click(chromedp.CSS("form[action='/incidents'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("incident-state")),
	)
	carol := tab(t, browser)
	signInWith(t, carol, base, "/incidents", "carol", pw)
	waitLive(t, carol)
	if list := text(t, carol, "table.list"); strings.Contains(list, "Payroll") || !strings.Contains(list, "Checkout returns 500") {
		t.Fatalf("carol's list: %q", list)
	}
	// A change to it does not reach carol's live list.
	eval[bool](t, carol, `document.getElementById("incident-rows").dataset.src += "&probe=1"; true`)
	e.exec(mustUser(t, e, "ada"), "INC-2", warroom.AddEntry{Type: warroom.EntryNote, Text: "rotating keys"})
	e.exec(mustUser(t, e, "ada"), "INC-1", warroom.AddEntry{Type: warroom.EntryNote, Text: "cdn purged"})
	// The public change reloads the rows (the probe mark goes with the
	// old tbody); the private one never did before it.
	run(t, carol, chromedp.WaitReady(chromedp.CSS("#incident-rows:not([data-src$='probe=1'])")))
	if list := text(t, carol, "table.list"); strings.Contains(list, "Payroll") {
		t.Fatalf("carol's live list shows the private incident: %q", list)
	}
	run(t, carol, chromedp.Navigate(base+"/incidents/INC-2"), chromedp.WaitVisible(chromedp.ID("main")))
	if got := text(t, carol, "main"); !strings.Contains(got, "404") || strings.Contains(got, "Payroll") {
		t.Fatalf("carol at the private incident's URL: %q", got)
	}
	status := eval[int](t, carol, `fetch("/incidents/INC-2/stream").then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 404 {
		t.Fatalf("carol follows the private incident's stream: %d", status)
	}
}

func mustUser(t *testing.T, e *env, handle string) *warroom.User {
	u, err := e.store.FindUser(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
