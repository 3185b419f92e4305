package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// fire sends one alert through the generic webhook and returns it.
func (p *pagingEnv) fire(dedupKey, title, severity string) *warroom.Alert {
	p.t.Helper()
	r := p.post("/api/v1/integrations/webhook/"+genericKey, `{"dedup_key":"`+dedupKey+`","title":"`+title+`","severity":"`+severity+`"}`)
	if r.Status != 202 {
		p.t.Fatalf("fire %s: %s", dedupKey, r)
	}
	a := p.alerts("")["webhook/"+dedupKey]
	if a == nil {
		p.t.Fatalf("alert %s not stored", dedupKey)
	}
	return a
}

func (p *pagingEnv) alert(id string) *warroom.Alert {
	p.t.Helper()
	a := ok[warroom.Alert](p.t, p.do("ada", "GET", "/api/v1/alerts/"+id, nil), 200)
	return &a
}

// TestAckLink: GET shows a confirmation page and acknowledges nothing
// (mail scanners fetch links); POST acknowledges as the person paged;
// altered, expired and malformed links are refused.
func TestAckLink(t *testing.T) {
	p := newPagingEnv(t)
	a := p.fire("db-down", "Database <primary> down", "critical")
	token := ackToken(t, p.pager.AckLink(a.ID, p.users["bob"].ID, p.clock.Now().Add(time.Hour)))

	page := p.do("", "GET", "/ack/"+token, nil)
	body := string(page.Body)
	if page.Status != 200 || page.Header.Get("Content-Type") != "text/html; charset=utf-8" || page.Header.Get("Referrer-Policy") != "no-referrer" ||
		!strings.Contains(body, `<form method="post" action="/ack/`+token+`">`) || !strings.Contains(body, "Database &lt;primary&gt; down") ||
		!strings.Contains(body, "@bob") || !strings.Contains(body, "<dt>Severity</dt><dd>critical</dd>") || !strings.Contains(body, "<dt>Service</dt>") ||
		!strings.Contains(body, `name="viewport"`) {
		t.Fatalf("confirmation page: %s", page)
	}
	if got := p.alert(a.ID); got.Status != warroom.AlertFiring {
		t.Fatalf("GET acknowledged the alert: %+v", got)
	}

	// The first character of the signature carries six of its bits.
	dot := strings.LastIndexByte(token, '.')
	other := "A"
	if token[dot+1] == 'A' {
		other = "B"
	}
	tampered := token[:dot+1] + other + token[dot+2:]
	expired := ackToken(t, p.pager.AckLink(a.ID, p.users["bob"].ID, p.clock.Now().Add(-time.Minute)))
	for _, c := range []struct {
		name, token string
		status      int
		text        string
	}{
		{"tampered", tampered, 403, "not valid"},
		{"expired", expired, 400, "expired"},
		{"malformed", "garbage", 400, "malformed"},
	} {
		for _, method := range []string{"GET", "POST"} {
			r := p.do("", method, "/ack/"+c.token, nil)
			if r.Status != c.status || !strings.Contains(string(r.Body), c.text) || strings.Contains(string(r.Body), "<form") {
				t.Errorf("%s %s: %s", method, c.name, r)
			}
		}
	}
	if got := p.alert(a.ID); got.Status != warroom.AlertFiring {
		t.Fatalf("a refused link acknowledged the alert: %+v", got)
	}

	p.clock.Advance(2 * time.Minute)
	done := p.do("", "POST", "/ack/"+token, nil)
	if done.Status != 200 || !strings.Contains(string(done.Body), "Acknowledged") || !strings.Contains(string(done.Body), "Paging for it has stopped") ||
		!strings.Contains(string(done.Body), `href="/alerts/`+a.ID+`"`) {
		t.Fatalf("POST: %s", done)
	}
	got := p.alert(a.ID)
	if got.Status != warroom.AlertAcknowledged || got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(p.clock.Now()) {
		t.Fatalf("after POST: %+v", got)
	}
	// The link still shows, without a button; posting again changes nothing.
	again := p.do("", "GET", "/ack/"+token, nil)
	if again.Status != 200 || strings.Contains(string(again.Body), "<form") || !strings.Contains(string(again.Body), "acknowledged") {
		t.Fatalf("GET after ack: %s", again)
	}
	if r := p.do("", "POST", "/ack/"+token, nil); r.Status != 200 {
		t.Fatalf("POST again: %s", r)
	}
	if strings.Contains(p.logs.String(), token) {
		t.Error("an ack token reached the log")
	}
}

// TestAckLinkWithoutPaging: a server without paging refuses links with
// 503 rather than pretending.
func TestAckLinkWithoutPaging(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.do("", "POST", "/ack/x.y", nil); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("%s", r)
	}
}
