package web

import (
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestReportPage: the metrics page shows each metric's figures with its
// start and end events, refuses an unknown window with the valid ones,
// and its charts are SVG images answered to signed-in people only; a
// private incident counts only for who may see it.
func TestReportPage(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		b, ada := e.signedIn("ada", warroom.AccountResponder)
		inc := e.declare(ada, "checkout down", false)
		e.clock.Advance(45 * time.Minute)
		e.exec(ada, inc.Ref, warroom.ChangeStage{Stage: warroom.StageRecovered})
		bob := e.user("bob", warroom.AccountResponder, "")
		e.declare(bob, "hidden", true)

		resp, body := b.get("/reports?window=30d")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /reports: %d %s", resp.StatusCode, body)
		}
		for _, want := range []string{`href="/reports"`, "Time to respond", "detection", "1 incidents", "45m",
			`src="/reports/charts/mttx-trend?window=30d"`, `src="/reports/charts/oncall?window=30d"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(body, "2 incidents") {
			t.Errorf("ada's page counts bob's private incident")
		}
		if !strings.Contains(body, "Follow-through: postmortems and action items on time") ||
			!regexp.MustCompile(`<th scope="row">all incidents</th><td>1</td>`).MatchString(body) {
			t.Errorf("the page lacks the follow-through of ada's one incident")
		}
		resp, body = b.get("/reports?window=2w")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "365d") {
			t.Errorf("unknown window: %d, body lacks the valid windows", resp.StatusCode)
		}
		for _, name := range []string{"mttx-trend", "severity", "oncall", "cadence"} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/reports/charts/"+name+"?window=30d", nil)
			resp, svg := b.do(req)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
				t.Fatalf("chart %s: %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			dec := xml.NewDecoder(strings.NewReader(svg))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("chart %s is not SVG: %v", name, err)
				}
			}
		}
		if resp, _ := b.get("/reports/charts/pie"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown chart: %d", resp.StatusCode)
		}
		anon := e.browser()
		if resp, _ := anon.get("/reports/charts/severity"); resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "image/svg+xml" {
			t.Errorf("a chart was answered to someone not signed in")
		}
	})
}
