package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/warroom/warroom"
)

// TestBrowserRecoveryToClose takes a major incident from recovery to close
// in a real browser: the incident page links the postmortem, the author
// fills the sections and an action item and submits it, closing is
// refused with what is missing, another responder approves and
// publishes, and the Incident Owner closes.
func TestBrowserRecoveryToClose(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t, "sqlite")
	const pw = "correct horse battery"
	adaU := e.user("ada", warroom.AccountResponder, pw)
	e.user("bob", warroom.AccountResponder, pw)
	inc := e.declareSeverity(adaU, "Payments time out", warroom.SEV2, false)
	for _, s := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
		e.exec(adaU, inc.Ref, warroom.ChangeStage{Stage: s})
	}
	base := e.srv.URL
	ada, bob := tab(t, browser), tab(t, browser)
	signInWith(t, ada, base, "/incidents/"+inc.Ref, "ada", pw)

	// Closing before the postmortem is published shows what is missing.
	// The click navigates: wait for the answer's text, not for #main,
	// which the page being left has too.
	run(t, ada, chromedp.Click(chromedp.CSS("button[name=stage][value=closed]")))
	waitJS(t, ada, `document.body.innerText.includes("cannot close yet")`)
	if body := text(t, ada, "#main"); !strings.Contains(body, "the postmortem is required") {
		t.Fatalf("early close: %q", body)
	}

	run(t, ada, chromedp.Navigate(base+"/incidents/"+inc.Ref), chromedp.WaitVisible(chromedp.ID("incident-state")),
		chromedp.Click(chromedp.CSS("a[href='/incidents/"+inc.Ref+"/postmortem']")), chromedp.WaitVisible(chromedp.ID("s-root_causes")))
	if v := eval[string](t, ada, "document.getElementById('t-summary').value"); v != "Payments time out" {
		t.Fatalf("summary prefilled with %q", v)
	}
	for section, text := range map[string]string{"impact_customers": "All card payments in the EU.",
		"impact_financial": "About 2,000 EUR of failed orders.", "root_causes": "The pool allowed only 10 connections.",
		"resolution": "Raised the pool limit to 50."} {
		run(t, ada,
			chromedp.SetValue(chromedp.ID("t-"+section), text),
			chromedp.Click(chromedp.CSS("#s-"+section+" button[type=submit]")),
		)
		waitJS(t, ada, `document.querySelector("#s-`+section+` label").innerText.includes("version 1")`)
	}
	run(t, ada,
		chromedp.SetValue(chromedp.ID("ai-title"), "Alert on pool saturation"),
		chromedp.SetValue(chromedp.ID("ai-owner"), "bob"),
		chromedp.SetValue(chromedp.ID("ai-date"), "2026-03-20"),
		chromedp.SetValue(chromedp.ID("ai-cat"), "improve_monitoring"),
		chromedp.Click(chromedp.CSS("form[action$='/action-items'] button[type=submit]")),
	)
	waitJS(t, ada, `document.querySelector("#action-items").parentElement.innerText.includes("Alert on pool saturation")`)
	run(t, ada, chromedp.Click(chromedp.CSS("form[action$='/postmortem/submit'] button")))
	waitJS(t, ada, `document.getElementById("pm-state").innerText === "in_review"`)

	signInWith(t, bob, base, "/incidents/"+inc.Ref+"/postmortem", "bob", pw)
	run(t, bob, chromedp.Click(chromedp.CSS("form[action$='/postmortem/approve'] button")))
	waitJS(t, bob, `document.body.innerText.includes("Approved by")`)
	run(t, bob, chromedp.Click(chromedp.CSS("form[action$='/postmortem/publish'] button")))
	waitJS(t, bob, `document.getElementById("pm-state").innerText === "published"`)
	if gaps := text(t, bob, "#h-review + dl"); !strings.Contains(gaps, "its Incident Owner may close it") {
		t.Fatalf("after publishing: %q", gaps)
	}

	run(t, ada, chromedp.Navigate(base+"/incidents/"+inc.Ref), chromedp.WaitVisible(chromedp.ID("incident-state")),
		chromedp.Click(chromedp.CSS("button[name=stage][value=closed]")),
		chromedp.WaitVisible(chromedp.CSS(".incident-head .stage-closed")))
}
