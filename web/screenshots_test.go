package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/warroom/warroom"
)

// TestScreenshots writes screenshots of the incident page and the incident
// list at 1280 and 375 pixels wide into $WARROOM_SCREENSHOTS (skipped
// when it is unset):
//
//	WARROOM_SCREENSHOTS=$PWD/docs/screenshots go test ./web -run Screenshots
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("WARROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set WARROOM_SCREENSHOTS to a folder to write screenshots into")
	}
	browser := newBrowser(t)
	e := newEnv(t, "sqlite")
	const pw = "correct horse battery"
	ada := e.user("ada", warroom.AccountResponder, pw)
	bob := e.user("bob", warroom.AccountResponder, pw)
	for i, title := range []string{"Search results are stale", "Webhook deliveries delayed", "Login page slow in eu-west"} {
		_, err := e.incidents.Declare(t.Context(), bob.Actor(), warroom.Declaration{Title: title,
			Severity: []warroom.Severity{warroom.SEV4, warroom.SEV3, warroom.SEV2}[i]}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.incidents.Declare(t.Context(), ada.Actor(), warroom.Declaration{Title: "Checkout returns 500 for card payments",
		Severity: warroom.SEV1, Summary: "Card payments fail at the last step; PayPal works.",
		Impact: warroom.Impact{Description: "Customers cannot pay by card", CustomerImpact: true, UsersPercent: 38}}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	ref := inc.Ref
	e.exec(ada, ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: ada.ID})
	e.exec(ada, ref, warroom.AssignRole{Role: warroom.RoleCommunicationsLead, UserID: bob.ID})
	e.exec(ada, ref, warroom.ChangeStage{Stage: warroom.StageInvestigating})
	e.exec(ada, ref, warroom.AddEntry{Type: warroom.EntryNote, Text: "Error rate on /checkout jumped from 0.1% to 38% at 09:02."})
	e.exec(bob, ref, warroom.AddEntry{Type: warroom.EntryLink, URL: "https://grafana.example/d/checkout", Title: "Checkout dashboard"})
	e.exec(ada, ref, warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "Release 1.42 changed the card tokenizer timeout"})
	e.exec(ada, ref, warroom.AddEntry{Type: warroom.EntryDecision, Text: "Roll back release 1.42",
		Reason: "errors began two minutes after the deploy; no other change", TradeOff: "the new saved-cards banner is gone until we fix forward"})
	e.exec(bob, ref, warroom.AddEntry{Type: warroom.EntryAction, Text: "Rolling back checkout to 1.41 in all regions"})
	e.exec(ada, ref, warroom.Star{Ref: res.Incident.Version + 5, Starred: true})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tb := tab(t, browser)
	signInWith(t, tb, e.srv.URL, "/incidents", "ada", pw)
	for _, w := range []int64{1280, 375} {
		for name, path := range map[string]string{"incident": "/incidents/" + ref, "incidents": "/incidents"} {
			run(t, tb, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.ID("main")))
			png, err := chromedp.Run(tb, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name+"-"+map[int64]string{1280: "1280", 375: "375"}[w]+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
