package web

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// updateScreenshots makes TestScreenshots write docs/screenshots:
//
//	go test ./web -run TestScreenshots -args -update-screenshots
var updateScreenshots = flag.Bool("update-screenshots", false, "write the screenshots in docs/screenshots")

// TestScreenshots takes the screenshots the README shows: the incident
// page, the incident list and the on-call view, at 1280 and 375 pixels
// wide (the screenful someone opening the page sees), of a small made-up
// installation. It runs only when asked to.
func TestScreenshots(t *testing.T) {
	if !*updateScreenshots {
		t.Skip("run with -args -update-screenshots to write docs/screenshots")
	}
	browser := newBrowser(t)
	p := newPagesEnv(t, "sqlite")
	// A Monday morning in Berlin a week before the clocks go forward, so
	// the on-call view shows a 23-hour day.
	p.clock.Set(time.Date(2026, 3, 23, 9, 40, 0, 0, time.UTC))
	const pw = "correct horse battery"
	ada := p.user("ada", warroom.AccountResponder, pw)
	bob := p.user("bob", warroom.AccountResponder, "")
	carol := p.user("carol", warroom.AccountResponder, "")
	dan := p.user("dan", warroom.AccountResponder, "")
	inc := screenshotData(t, p, ada, bob, carol, dan)
	sc := screenshotSchedule(t, p, ada, bob, carol, dan)

	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1280, 375} {
		ctx := tab(t, browser)
		if width == 375 {
			run(t, ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
		} else {
			run(t, ctx, chromedp.EmulateViewport(1280, 1000))
		}
		signInWith(t, ctx, p.srv.URL, "/incidents", "ada", pw)
		for _, shot := range []struct{ name, path string }{
			{"incident", "/incidents/" + inc.Ref},
			{"incidents", "/incidents"},
			{"oncall", "/oncall/schedules/" + sc.ID},
		} {
			run(t, ctx, chromedp.Navigate(p.srv.URL+shot.path), chromedp.WaitVisible(chromedp.ID("main")))
			// What fits the screen, as someone opening the page sees it.
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, shot.name+"-"+itoa64(width)+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", file, len(png))
		}
	}
}

func itoa64(n int64) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// screenshotData declares a few incidents and runs one of them for a
// while; it returns that one.
func screenshotData(t *testing.T, p *pagesEnv, ada, bob, carol, dan *warroom.User) *warroom.Incident {
	ctx := context.Background()
	declare := func(u *warroom.User, d warroom.Declaration) *warroom.Incident {
		res, err := p.incidents.Declare(ctx, u.Actor(), d, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		p.clock.Advance(3 * time.Minute)
		return res.Incident
	}
	do := func(u *warroom.User, inc *warroom.Incident, cmds ...warroom.Command) {
		for _, c := range cmds {
			if _, err := p.incidents.Execute(ctx, u.Actor(), inc.ID, c, warroom.Idempotency{}); err != nil {
				t.Fatalf("%s: %v", c.Name(), err)
			}
			p.clock.Advance(90 * time.Second)
		}
	}
	old := declare(bob, warroom.Declaration{Title: "Search results stale in the EU", Severity: warroom.SEV3,
		Impact: warroom.Impact{ServiceIDs: []string{p.svc.ID}}})
	do(bob, old, warroom.ChangeStage{Stage: warroom.StageInvestigating}, warroom.ChangeStage{Stage: warroom.StageMitigated})
	declare(carol, warroom.Declaration{Title: "Password reset emails delayed", Severity: warroom.SEV4})
	for _, d := range []struct {
		title string
		sev   warroom.Severity
		stage warroom.Stage
	}{
		{"Mobile app login slow in APAC", warroom.SEV3, warroom.StageIdentified},
		{"Invoice PDFs missing line items", warroom.SEV3, warroom.StageInvestigating},
		{"Webhook deliveries to partners retrying", warroom.SEV2, warroom.StageInvestigating},
		{"Admin console 403 for support staff", warroom.SEV4, ""},
	} {
		inc := declare(dan, warroom.Declaration{Title: d.title, Severity: d.sev})
		if d.stage != "" {
			do(dan, inc, warroom.ChangeStage{Stage: warroom.StageInvestigating})
			if d.stage != warroom.StageInvestigating {
				do(dan, inc, warroom.ChangeStage{Stage: d.stage})
			}
		}
	}
	main := declare(ada, warroom.Declaration{Title: "Checkout returns 500 for card payments", Severity: warroom.SEV1,
		Summary: "About a third of card payments fail with HTTP 500 since the 10:40 deploy.", Detection: warroom.DetectedByMonitoring,
		Impact: warroom.Impact{Description: "Card payments fail; PayPal works.", UsersPercent: 30, CustomerImpact: true, SLAImpact: true,
			ServiceIDs: []string{p.svc.ID}},
		BridgeURL: "https://meet.example.com/inc-checkout"})
	a := p.alert("checkout-5xx", "critical", "checkout: HTTP 5xx above 5% for 5m")
	if _, err := p.pager.AttachAlerts(ctx, ada.Actor(), main.ID, []string{a.ID}, warroom.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	do(ada, main,
		warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: ada.ID},
		warroom.AssignRole{Role: warroom.RoleTechnicalLead, UserID: bob.ID},
		warroom.AssignRole{Role: warroom.RoleCommunicationsLead, UserID: carol.ID},
		warroom.ChangeStage{Stage: warroom.StageInvestigating},
		warroom.AddEntry{Type: warroom.EntryNote, Text: "Errors started at 10:41, one minute after release 1.42 reached 100%."},
		warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "The new card tokenizer client times out against the PSP."},
		warroom.AddEntry{Type: warroom.EntryHypothesis, Text: "The payments database is saturated."},
		warroom.AddEntry{Type: warroom.EntryLink, Title: "Checkout error dashboard", URL: "https://grafana.example.com/d/checkout"},
	)
	tl, err := p.store.Timeline(ctx, main.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var hyps []int64
	for _, e := range tl {
		if e.Type == warroom.EntryHypothesis {
			hyps = append(hyps, e.Seq)
		}
	}
	do(bob, main, warroom.UpdateHypothesis{Ref: hyps[1], Status: warroom.HypothesisEliminated, Evidence: "DB CPU at 20%, no lock waits."})
	do(ada, main,
		warroom.AddEntry{Type: warroom.EntryDecision, Text: "Roll back release 1.42", Reason: "errors began with the deploy; the tokenizer is the only payment change in it",
			TradeOff: "the new checkout banner is gone until the fix"},
		warroom.AddEntry{Type: warroom.EntryAction, Text: "Rollback of 1.42 started (deploy #8812)."},
	)
	do(carol, main, warroom.AddEntry{Type: warroom.EntryNote, Text: "Status page updated: card payments degraded."})
	do(ada, main, warroom.ChangeStage{Stage: warroom.StageIdentified})
	return main
}

// screenshotSchedule is a two-layer schedule with an override.
func screenshotSchedule(t *testing.T, p *pagesEnv, ada, bob, carol, dan *warroom.User) *oncall.Schedule {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	week, _ := oncall.ParseLocalTime("2026-03-16T09:00")
	day, _ := oncall.ParseLocalTime("2026-03-16T09:00")
	sc := &oncall.Schedule{Name: "checkout-primary", TimeZone: "Europe/Berlin",
		Layers: []oncall.Layer{
			{Name: "weekly", Start: week, Shift: oncall.Weeks(1), Participants: []string{ada.ID, bob.ID, carol.ID}},
			{Name: "business hours", Start: day, Shift: oncall.Days(1), Participants: []string{dan.ID, carol.ID},
				Restrictions: []oncall.Restriction{{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
					Start: "09:00", End: "17:00"}}},
		},
		Overrides: []oncall.Override{{UserID: bob.ID, Replaces: carol.ID,
			Start: time.Date(2026, 3, 27, 12, 0, 0, 0, berlin), End: time.Date(2026, 3, 28, 12, 0, 0, 0, berlin)}},
	}
	if err := p.store.CreateSchedule(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	return sc
}
