package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

func TestTimelineNewestFirstWithEarlierOnDemand(t *testing.T) {
	e := newEnv(t, "sqlite")
	b, ada := e.signedIn("ada", warroom.AccountResponder)
	inc := e.declare(ada, "Long incident", false) // events 1-4
	for i := range 120 {
		e.exec(ada, inc.Ref, warroom.AddEntry{Type: warroom.EntryNote, Text: fmt.Sprintf("note number %d.", i)})
	}
	// 124 events: the page shows 124 down to 75, newest first.
	_, body := b.get("/incidents/" + inc.Ref)
	if n := strings.Count(body, `<li id="entry-`); n != timelinePageSize {
		t.Fatalf("page shows %d entries, want %d", n, timelinePageSize)
	}
	if i, j := strings.Index(body, `id="entry-124"`), strings.Index(body, `id="entry-75"`); i < 0 || j < i || strings.Contains(body, `id="entry-74"`) {
		t.Fatalf("newest first: entry-124 at %d, entry-75 at %d", i, j)
	}
	earlier := "/incidents/" + inc.Ref + "?before=75"
	if !strings.Contains(body, `href="`+earlier+`"`) {
		t.Fatal("no link to earlier entries")
	}
	// htmx asks for the earlier entries alone.
	req, _ := http.NewRequest("GET", e.srv.URL+earlier, nil)
	req.Header.Set("HX-Request", "true")
	_, frag := b.do(req)
	if strings.Contains(frag, "<html") || !strings.Contains(frag, `id="entry-74"`) || !strings.Contains(frag, `id="entry-25"`) || strings.Contains(frag, `id="entry-75"`) {
		t.Fatalf("earlier fragment: %.300s", frag)
	}
	// The last page has no further link.
	_, last := b.get("/incidents/" + inc.Ref + "?before=25")
	if strings.Contains(last, "Load earlier") || !strings.Contains(last, `id="entry-1"`) {
		t.Fatal("the first page of the timeline offers earlier entries or lacks entry 1")
	}
}

func TestTimelineFormsAndFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		inc := e.declare(ada, "Flaky auth", false)
		ref := "/incidents/" + inc.Ref
		post := func(path string, form url.Values, want int) string {
			t.Helper()
			resp, body := b.post(ref+path, form)
			if resp.StatusCode != want {
				t.Fatalf("POST %s %v: %d, want %d\n%s", path, form, resp.StatusCode, want, body)
			}
			return body
		}
		post("/entries", url.Values{"type": {"hypothesis"}, "text": {"token cache expiry"}}, http.StatusSeeOther) // 5
		post("/entries", url.Values{"type": {"link"}, "url": {"https://grafana.example/d/auth"}, "title": {"auth dashboard"}}, http.StatusSeeOther)
		post("/entries", url.Values{"type": {"action"}, "text": {"restarted auth-7"}}, http.StatusSeeOther) // 7
		post("/entries/7/star", url.Values{"starred": {"true"}}, http.StatusSeeOther)
		post("/entries/7/correct", url.Values{"text": {"restarted auth-8, not 7"}}, http.StatusSeeOther)
		post("/hypotheses/5", url.Values{"status": {"eliminated"}, "evidence": {"expiry is 24h, failures every 5m"}}, http.StatusSeeOther)
		// Refusals name the problem.
		if body := post("/entries", url.Values{"type": {"link"}, "url": {"javascript:alert(1)"}}, http.StatusBadRequest); !strings.Contains(body, `id="c-url-error"`) {
			t.Fatal("a bad link URL is not shown next to the URL field")
		}
		if body := post("/hypotheses/5", url.Values{"status": {"confirmed"}, "evidence": {"x"}}, http.StatusConflict); !strings.Contains(body, "was already eliminated") {
			t.Fatal("updating a closed hypothesis again does not say why it is refused")
		}
		_, page := b.get(ref)
		for _, want := range []string{`class="entry-link"`, `href="https://grafana.example/d/auth"`, `class="entry-action starred"`,
			"★ Starred", `class="entry-correction"`, `Corrects <a href="#entry-7">#7</a>: restarted auth-8, not 7`,
			`class="entry-hypothesis-updated"`, "Status: <strong>eliminated</strong>", "token cache expiry — <strong>eliminated</strong>: expiry is 24h"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		_, starred := b.get(ref + "?starred=1")
		if n := strings.Count(starred, `<li id="entry-`); n != 1 || !strings.Contains(starred, `id="entry-7"`) {
			t.Errorf("starred only: %d entries", n)
		}
		_, links := b.get(ref + "?type=link")
		if n := strings.Count(links, `<li id="entry-`); n != 1 || !strings.Contains(links, "auth dashboard") {
			t.Errorf("links only: %d entries", n)
		}
		_, system := b.get(ref + "?type=system")
		if strings.Contains(system, `class="entry-note"`) || !strings.Contains(system, `class="entry-system"`) {
			t.Error("system filter shows entries")
		}
	})
}
