package web

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// Two servers on one PostgreSQL database, as two replicas behind a load
// balancer: an entry written through one reaches a live page of the
// other, carried by LISTEN/NOTIFY (each server only hears commits through
// its store).
func TestTwoServersShareLiveUpdates(t *testing.T) {
	if os.Getenv("WARROOM_TEST_POSTGRES") == "" {
		t.Skip("set WARROOM_TEST_POSTGRES to run the two-replica test")
	}
	dsn := testDSN(t, "postgres")
	one := newEnvOn(t, openStore(t, dsn), nil)
	two := newEnvOn(t, openStore(t, dsn), nil)
	ada := one.user("ada", warroom.AccountResponder, "correct horse battery")
	two.user("vic", warroom.AccountViewer, "correct horse battery")
	inc := one.declare(ada, "Replica lag", false)

	writer := one.browser()
	writer.signIn("ada", "correct horse battery")
	reader := two.browser()
	reader.signIn("vic", "correct horse battery")
	list := reader.follow("/incidents/stream")
	page := reader.follow("/incidents/" + inc.Ref + "/stream")

	resp, _ := writer.post("/incidents/"+inc.Ref+"/entries", url.Values{"type": {"action"}, "text": {"promote the standby"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add entry on server one: %d", resp.StatusCode)
	}
	ev := page.until(t, "timeline prepend", 10*time.Second)
	if !strings.Contains(ev.HTML, "promote the standby") || !strings.Contains(ev.HTML, `class="entry-action"`) {
		t.Fatalf("server two streamed %q", ev.HTML)
	}
	if ev := list.until(t, "incident-rows reload", 10*time.Second); ev.Head != "incident-rows reload "+inc.Ref {
		t.Fatalf("server two's list stream: %q", ev.Head)
	}
	// And the other way round, a stage change through server two's
	// sibling reaches the page on server two as a state reload.
	one.exec(ada, inc.Ref, warroom.ChangeStage{Stage: warroom.StageInvestigating})
	page.until(t, "incident-state reload", 10*time.Second)
}
