package statuspage

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

func (e *env) pageJSON() Page {
	e.t.Helper()
	code, body := e.get("/status/status.json")
	if code != 200 {
		e.t.Fatalf("status.json: %d %s", code, body)
	}
	var p Page
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (p Page) component(name string) ComponentView {
	for _, g := range p.Groups {
		for _, c := range g.Components {
			if c.Name == name {
				return c
			}
		}
	}
	return ComponentView{}
}

// TestComponentHistory: a sequence of public incidents over 90 days in
// New York, across the end of daylight saving time (1 Nov 2026), with an
// injected clock: each day's bar is the worst status of that local day
// with the incidents behind it, a day without any is operational, and an
// incident that was never made public leaves no trace.
func TestComponentHistory(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Skip("no tzdata")
		}
		start := time.Date(2026, 9, 1, 9, 0, 0, 0, ny)
		e := newEnv(t, open(t), envOpts{loc: ny, start: start})
		db := e.service("database")
		e.component("API", "", "database")
		type span struct {
			from, to time.Time
			sev      warroom.Severity
			public   bool
		}
		spans := []span{
			{time.Date(2026, 9, 10, 8, 0, 0, 0, ny), time.Date(2026, 9, 10, 9, 0, 0, 0, ny), warroom.SEV3, true},
			{time.Date(2026, 10, 5, 22, 0, 0, 0, ny), time.Date(2026, 10, 5, 22, 30, 0, 0, ny), warroom.SEV1, false},
			// Late on the 25-hour day into the next morning.
			{time.Date(2026, 11, 1, 23, 30, 0, 0, ny), time.Date(2026, 11, 2, 1, 15, 0, 0, ny), warroom.SEV1, true},
			{time.Date(2026, 11, 20, 10, 0, 0, 0, ny), time.Date(2026, 11, 20, 12, 0, 0, 0, ny), warroom.SEV2, true},
		}
		var slugs []string
		for _, s := range spans {
			e.at(s.from)
			inc := e.declare("ada", warroom.Declaration{Title: "internal", Severity: s.sev,
				Impact: warroom.Impact{ServiceIDs: []string{db.ID}}})
			if s.public {
				slugs = append(slugs, e.publish("ada", inc.Ref, "Public "+s.from.Format("Jan 2")).Slug)
			}
			e.at(s.to)
			e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageRecovered})
			e.run()
		}
		e.at(time.Date(2026, 11, 25, 12, 0, 0, 0, ny))
		p := e.pageJSON()
		bars := p.component("API").History
		if len(bars) != 90 {
			t.Fatalf("%d bars", len(bars))
		}
		want := map[string]struct {
			status warroom.ComponentStatus
			slug   string
		}{
			"2026-09-10": {warroom.StatusDegraded, slugs[0]},
			"2026-11-01": {warroom.StatusMajorOutage, slugs[1]},
			"2026-11-02": {warroom.StatusMajorOutage, slugs[1]},
			"2026-11-20": {warroom.StatusPartialOutage, slugs[2]},
		}
		for _, b := range bars {
			day := b.Day.In(ny).Format("2006-01-02")
			if b.Day.In(ny).Hour() != 0 {
				t.Errorf("bar %s does not start at local midnight: %s", day, b.Day.In(ny))
			}
			w, ok := want[day]
			if !ok {
				if b.Status != warroom.StatusOperational || len(b.Incidents) != 0 {
					t.Errorf("%s: %+v", day, b)
				}
				continue
			}
			if b.Status != w.status || len(b.Incidents) != 1 || b.Incidents[0] != w.slug {
				t.Errorf("%s: %+v, want %s with %s", day, b, w.status, w.slug)
			}
		}
		if bars[0].Day.In(ny).Format("2006-01-02") != "2026-08-28" {
			t.Errorf("first bar %s", bars[0].Day)
		}
		if p.Status != warroom.StatusOperational || len(p.Active) != 0 || len(p.Past) != 1 {
			t.Errorf("overall %s, active %d, past days %d", p.Status, len(p.Active), len(p.Past))
		}
		// The component history keeps every change.
		h, err := e.svc.History(e.ctx, "API")
		if err != nil || len(h) != 6 {
			t.Errorf("history %d %v: %+v", len(h), err, h)
		}
	})
}

// TestAtomFeed: the feed parses with encoding/xml and has what RFC 4287
// requires (feed: id, title, updated, author; entries: id, title,
// updated, and a link or content); the page links it.
func TestAtomFeed(t *testing.T) {
	e := newEnv(t, openSQLite(t), envOpts{})
	db := e.service("database")
	api := e.component("API", "", "database")
	inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV2, Impact: warroom.Impact{ServiceIDs: []string{db.ID}}})
	e.publish("ada", inc.Ref, "Slow API")
	e.customerUpdate("ada", inc.Ref, "Rolling back")
	if _, err := e.svc.ScheduleMaintenance(e.ctx, e.actor("ada"), MaintenanceInput{Title: "DB upgrade", Components: []string{"API"},
		StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content string `xml:"content"`
	}
	type feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      []string `xml:"id"`
		Title   []string `xml:"title"`
		Updated []string `xml:"updated"`
		Author  []struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Link []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []entry `xml:"entry"`
	}
	for _, path := range []string{"/status/feed.atom", "/status/components/" + api.ID + "/feed.atom"} {
		res, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var f feed
		err = xml.NewDecoder(res.Body).Decode(&f)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
			t.Errorf("%s: content type %q", path, ct)
		}
		if len(f.ID) != 1 || len(f.Title) != 1 || len(f.Updated) != 1 || len(f.Author) == 0 || f.Author[0].Name == "" {
			t.Errorf("%s: feed lacks required elements: %+v", path, f)
		}
		if _, err := time.Parse(time.RFC3339, f.Updated[0]); err != nil {
			t.Errorf("updated %q", f.Updated[0])
		}
		self := false
		for _, l := range f.Link {
			self = self || (l.Rel == "self" && l.Href == e.srv.URL+path)
		}
		if !self {
			t.Errorf("%s: no self link", path)
		}
		if len(f.Entries) != 2 {
			t.Fatalf("%s: %d entries", path, len(f.Entries))
		}
		for _, en := range f.Entries {
			if en.ID == "" || en.Title == "" || en.Updated == "" || (len(en.Link) == 0 && en.Content == "") {
				t.Errorf("entry lacks required elements: %+v", en)
			}
			if !strings.HasPrefix(en.ID, "urn:") {
				t.Errorf("entry id %q is not an absolute IRI", en.ID)
			}
		}
		if !strings.Contains(f.Entries[0].Content, "Rolling back") || f.Entries[0].Title != "Slow API" {
			t.Errorf("first entry %+v", f.Entries[0])
		}
	}
	_, page := e.get("/status")
	if !strings.Contains(page, `<link rel="alternate" type="application/atom+xml"`) {
		t.Error("the page does not link its feed")
	}
	if code, _ := e.get("/status/components/nope/feed.atom"); code != 404 {
		t.Errorf("unknown component feed: %d", code)
	}
}

// TestMaintenance: a window shows as scheduled, its components under
// maintenance during it and operational after; subscribers are told when
// it is scheduled, when it starts and when it ends (engine jobs at its
// times); a cancelled window tells them it is cancelled and nothing more.
func TestMaintenance(t *testing.T) {
	dialects(t, func(t *testing.T, open func(*testing.T) *sqlstore.Store) {
		e := newEnv(t, open(t), envOpts{})
		e.service("database")
		e.component("API", "", "database")
		e.component("Web", "")
		rec := newRecorder(t)
		if _, err := e.svc.AddWebhook(e.ctx, e.admin, WebhookInput{URL: rec.srv.URL}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ScheduleMaintenance(e.ctx, e.actor("ada"), MaintenanceInput{Title: "DB upgrade", Components: []string{"Nope"},
			StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(2 * time.Hour)}); warroom.ErrorCode(err) != warroom.EInvalid {
			t.Errorf("unknown component: %v", err)
		}
		m, err := e.svc.ScheduleMaintenance(e.ctx, e.actor("ada"), MaintenanceInput{Title: "DB upgrade", Description: "Postgres 18",
			Components: []string{"api"}, StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		other, err := e.svc.ScheduleMaintenance(e.ctx, e.actor("ada"), MaintenanceInput{Title: "Web deploy", Components: []string{"Web"},
			StartsAt: t0.Add(3 * time.Hour), EndsAt: t0.Add(4 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		e.run()
		p := e.pageJSON()
		if len(p.Maintenance) != 2 || p.Maintenance[0].Phase != "scheduled" || p.component("API").Status != warroom.StatusOperational {
			t.Fatalf("scheduled: %+v", p.Maintenance)
		}
		if err := e.svc.CancelMaintenance(e.ctx, e.actor("ada"), other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddMaintenanceUpdate(e.ctx, e.actor("ada"), m.ID, MaintenanceUpdateInput{Body: "Starting on time"}); err != nil {
			t.Fatal(err)
		}
		e.at(t0.Add(time.Hour))
		p = e.pageJSON()
		if p.component("API").Status != warroom.StatusMaintenance || p.component("Web").Status != warroom.StatusOperational ||
			p.Status != warroom.StatusMaintenance || p.Maintenance[0].Phase != "in_progress" || len(p.Maintenance) != 1 {
			t.Errorf("during: %+v", p)
		}
		e.at(t0.Add(2 * time.Hour))
		p = e.pageJSON()
		if p.component("API").Status != warroom.StatusOperational || len(p.Maintenance) != 0 {
			t.Errorf("after: %+v", p)
		}
		e.at(t0.Add(5 * time.Hour))
		want := []string{"Maintenance scheduled: DB upgrade", "Maintenance scheduled: Web deploy", "Maintenance cancelled: Web deploy",
			"Maintenance update: DB upgrade", "Maintenance started: DB upgrade", "Maintenance completed: DB upgrade"}
		got := rec.subjects()
		if len(got) != len(want) {
			t.Fatalf("notices %q", got)
		}
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || strings.HasSuffix(g, w)
			}
			if !found {
				t.Errorf("no %q among %q", w, got)
			}
		}
		h, _ := e.svc.History(e.ctx, "API")
		if len(h) != 2 || h[0].Status != warroom.StatusMaintenance || h[0].Source != "maintenance" || !h[0].At.Equal(t0.Add(time.Hour)) {
			t.Errorf("history %+v", h)
		}
	})
}

// TestManualStatus: a status set by hand needs a reason, holds until
// cleared, and each change is in the history; viewers set nothing.
func TestManualStatus(t *testing.T) {
	e := newEnv(t, openSQLite(t), envOpts{})
	e.component("API", "")
	viewer := warroom.Actor{UserID: "v", Role: warroom.AccountViewer}
	if _, err := e.svc.SetStatus(e.ctx, viewer, "API", StatusInput{Status: warroom.StatusMajorOutage, Reason: "x"}); warroom.ErrorCode(err) != warroom.EForbidden {
		t.Errorf("viewer: %v", err)
	}
	if _, err := e.svc.SetStatus(e.ctx, e.actor("ada"), "API", StatusInput{Status: warroom.StatusMajorOutage}); warroom.ErrorField(err) != "reason" {
		t.Errorf("no reason: %v", err)
	}
	if _, err := e.svc.SetStatus(e.ctx, e.actor("ada"), "API", StatusInput{Status: "down", Reason: "x"}); warroom.ErrorField(err) != "status" {
		t.Errorf("bad status: %v", err)
	}
	if _, err := e.svc.SetStatus(e.ctx, e.actor("ada"), "Nope", StatusInput{Status: warroom.StatusDegraded, Reason: "x"}); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Errorf("unknown component: %v", err)
	}
	if _, err := e.svc.SetStatus(e.ctx, e.actor("ada"), "api", StatusInput{Status: warroom.StatusDegraded, Reason: "provider slow"}); err != nil {
		t.Fatal(err)
	}
	if s := e.pageJSON().component("API").Status; s != warroom.StatusDegraded {
		t.Errorf("page shows %s", s)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.SetStatus(e.ctx, e.actor("ada"), "API", StatusInput{}); err != nil {
		t.Fatal(err)
	}
	if s := e.pageJSON().component("API").Status; s != warroom.StatusOperational {
		t.Errorf("cleared, page shows %s", s)
	}
	h, _ := e.svc.History(e.ctx, "API")
	if len(h) != 2 || h[0].Source != "manual" || h[0].Reason != "provider slow" || h[1].Status != warroom.StatusOperational {
		t.Errorf("history %+v", h)
	}
}

// TestEscaping: every text shown comes from people and is escaped:
// component names and descriptions, published titles, customer updates,
// maintenance text, the organisation's name; the feed stays well-formed
// and a javascript: logo is not linked.
func TestEscaping(t *testing.T) {
	e := newEnv(t, openSQLite(t), envOpts{})
	e.svc.cfg.Name = `Acme <b>Cloud</b> & "Co"`
	e.svc.cfg.LogoURL = "javascript:alert(1)"
	db := e.service("database")
	c, err := e.svc.CreateComponent(e.ctx, e.admin, ComponentInput{Name: `<script>alert("c")</script>`, Group: `<i>g</i>`,
		Description: `<img src=x onerror=alert(1)>`, Services: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV2, Impact: warroom.Impact{ServiceIDs: []string{db.ID}}})
	p := e.publish("ada", inc.Ref, `<svg onload=alert("t")>`)
	e.customerUpdate("ada", inc.Ref, `</div><script>alert("u")</script>`)
	if _, err := e.svc.ScheduleMaintenance(e.ctx, e.actor("ada"), MaintenanceInput{Title: `<u>m</u>`, Description: `<a href="javascript:x">d</a>`,
		Components: []string{c.ID}, StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	raw := []string{`<script>alert(`, `<img src=x`, `<svg onload`, `<b>Cloud`, `<i>g</i>`, `<u>m</u>`, `<a href="javascript:x">`, `src="javascript:`}
	for _, path := range []string{"/status", "/status/incidents/" + p.Slug} {
		_, body := e.get(path)
		for _, r := range raw {
			if strings.Contains(body, r) {
				t.Errorf("%s shows %q unescaped", path, r)
			}
		}
		if !strings.Contains(body, html.EscapeString(`<svg onload=alert("t")>`)) && !strings.Contains(body, "&lt;svg onload=alert(&#34;t&#34;)&gt;") {
			t.Errorf("%s lacks the escaped title", path)
		}
	}
	res, err := http.Get(e.srv.URL + "/status/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var f struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.NewDecoder(res.Body).Decode(&f); err != nil || len(f.Entries) == 0 || f.Entries[0].Title != `<svg onload=alert("t")>` {
		t.Errorf("feed: %v %+v", err, f)
	}
}

// TestOnlyStatusRoutes: the handler serves the status routes and nothing
// else (on the page's own listener the rest of warroom is unreachable).
func TestOnlyStatusRoutes(t *testing.T) {
	e := newEnv(t, openSQLite(t), envOpts{})
	for path, want := range map[string]int{"/status": 200, "/status/": 200, "/status/status.json": 200, "/status/feed.atom": 200,
		"/api/v1/incidents": 404, "/incidents": 404, "/": 404, "/status/incidents/nope": 404} {
		if code, _ := e.get(path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
}

// TestCacheFollowsCommits: the rendered page is cached, and a customer
// update shows at once, without waiting for the cache to expire.
func TestCacheFollowsCommits(t *testing.T) {
	e := newEnv(t, openSQLite(t), envOpts{})
	db := e.service("database")
	e.component("API", "", "database")
	inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: warroom.SEV2, Impact: warroom.Impact{ServiceIDs: []string{db.ID}}})
	e.publish("ada", inc.Ref, "Slow API")
	_, before := e.get("/status")
	res, _ := http.Get(e.srv.URL + "/status")
	etag := res.Header.Get("ETag")
	res.Body.Close()
	req, _ := http.NewRequest("GET", e.srv.URL+"/status", nil)
	req.Header.Set("If-None-Match", etag)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 304 {
		t.Errorf("revalidation: %v %v", res, err)
	}
	e.customerUpdate("ada", inc.Ref, "Fix deployed")
	_, after := e.get("/status")
	if strings.Contains(before, "Fix deployed") || !strings.Contains(after, "Fix deployed") {
		t.Error("the cached page did not follow the update")
	}
}
