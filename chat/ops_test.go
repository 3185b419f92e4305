package chat_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
	"github.com/warroom/warroom/httpapi"
)

const signingSecret = "signing-secret"

// chatServer serves the API with ChatOps on e.
func (e *env) chatServer() *httptest.Server {
	h := httpapi.New(httpapi.Config{Incidents: e.inc, Store: e.store, Now: e.clock.Now, Logger: quiet,
		Chat: &httpapi.ChatAPI{Provider: "slack", Inbound: e.inbox, Ops: e.ops, Store: e.store}})
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	return srv
}

var responseN atomic.Int64

type answer struct {
	Status int
	Type   string `json:"response_type"`
	Text   string `json:"text"`
	URL    string // the response URL of the request
	ID     string
}

// signedPost posts a form signed at ts with key.
func signedPost(t testing.TB, url string, form url.Values, ts int64, key string) (*http.Response, string) {
	t.Helper()
	body := form.Encode()
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(ts))
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// slash types /inc text as the Slack user in channel.
func (e *env) slash(srv *httptest.Server, user, channel, text string) answer {
	e.t.Helper()
	id := fmt.Sprint("r", responseN.Add(1))
	form := url.Values{"command": {"/inc"}, "text": {text}, "user_id": {user}, "channel_id": {channel},
		"team_id": {"T0001"}, "response_url": {e.fake.ResponseURL(id)}, "trigger_id": {"1.2.3"}}
	resp, body := signedPost(e.t, srv.URL+"/api/v1/chat/commands", form, time.Now().Unix(), signingSecret)
	a := answer{Status: resp.StatusCode, URL: e.fake.ResponseURL(id), ID: id}
	if resp.StatusCode == 200 && body != "" {
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			e.t.Fatalf("answer %q: %v", body, err)
		}
	}
	return a
}

// later returns the texts posted to a request's response URL.
func (e *env) later(a answer) []string {
	var out []string
	for _, r := range e.fake.Responses(a.ID) {
		var m struct {
			Text string `json:"text"`
			Type string `json:"response_type"`
		}
		_ = json.Unmarshal(r, &m)
		out = append(out, m.Type+": "+m.Text)
	}
	return out
}

func TestChatOpsCommands(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		srv := e.chatServer()
		// ada (UA) declares from Slack; she is found by her email.
		a := e.slash(srv, "UA", "CGENERAL", "declare sev2 cluster=prod-eu-1 checkout failing")
		if a.Status != 200 || a.Type != "ephemeral" || !strings.HasPrefix(a.Text, "On it") {
			t.Fatalf("declare answered %+v", a)
		}
		e.run()
		if got := e.later(a); len(got) != 1 || !strings.Contains(got[0], "Declared INC-1 (SEV2): checkout failing") || !strings.HasPrefix(got[0], "ephemeral") {
			t.Fatalf("declare's later answer: %q", got)
		}
		ch := e.fake.Channel("inc1-prod-eu-1")
		if ch == nil {
			t.Fatal("no incident channel")
		}
		inc := mustFind(t, e, "INC-1")
		if inc.DeclaredByID != e.users["ada"].ID {
			t.Fatalf("declared by %q, want ada", inc.DeclaredByID)
		}

		// In the incident's channel, commands are about that incident.
		for _, c := range []struct{ user, text, want string }{
			{"UA", "ic <@UB|bob> was on call", "@bob is Incident Commander"},
			{"UB", "note flushing the cache for checkout", "flushing the cache"},
			{"UB", "action rolling back to v41", "rolling back"},
			{"UB", "decision roll back | errors began with the v42 deploy | some orders retry", "trade-off: some orders retry"},
			{"UA", "hypothesis bad TLS cert", "bad TLS cert"},
			{"UA", "severity SEV1 all regions now", "severity SEV2 → SEV1"},
			{"UB", "stage investigating", "stage declared → investigating"},
		} {
			a := e.slash(srv, c.user, ch.ID, c.text)
			if a.Status != 200 || !strings.HasPrefix(a.Text, "On it") {
				t.Fatalf("%q answered %+v", c.text, a)
			}
			e.run()
			if got := e.later(a); len(got) != 1 || !strings.Contains(got[0], "Done") {
				t.Fatalf("%q later: %q", c.text, got)
			}
			last := e.fake.Channel(ch.Name).Messages
			if m := last[len(last)-1].Text; !strings.Contains(m, c.want) {
				t.Fatalf("%q: last channel post %q, want %q", c.text, m, c.want)
			}
		}
		tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		var hyp int64
		for _, ev := range tl {
			if ev.Type == warroom.EntryNote && ev.ActorID != e.users["bob"].ID {
				t.Errorf("note written by %q, want bob", ev.ActorID)
			}
			if ev.Type == warroom.EntryHypothesis {
				hyp = ev.Seq
			}
		}
		a = e.slash(srv, "UA", ch.ID, fmt.Sprintf("hypothesis #%d eliminated cert valid until 2027", hyp))
		e.run()
		if got := e.later(a); len(got) != 1 || !strings.Contains(got[0], "Done") {
			t.Fatalf("outcome: %q", got)
		}
		// A refusal of the rules comes back through the response URL.
		a = e.slash(srv, "UB", ch.ID, "stage closed")
		e.run()
		if got := e.later(a); len(got) != 1 || !strings.Contains(got[0], "Not done") {
			t.Fatalf("refused transition: %q", got)
		}

		// status and help answer at once; elsewhere the incident is named.
		a = e.slash(srv, "UA", "CGENERAL", "INC-1 status")
		if !strings.Contains(a.Text, "INC-1* SEV1 · investigating") || !strings.Contains(a.Text, "IC: @bob") {
			t.Fatalf("status: %q", a.Text)
		}
		for _, text := range []string{"help", "", "frobnicate", "decision roll back", "severity SEV9", "stage nowhere", "ic"} {
			a = e.slash(srv, "UA", ch.ID, text)
			if a.Status != 200 || a.Type != "ephemeral" || !strings.Contains(a.Text, "/inc declare SEV1..SEV4") {
				t.Fatalf("%q: want usage help, got %+v", text, a)
			}
		}
		for _, text := range []string{"update", "update customers", "update everyone all good"} {
			if a = e.slash(srv, "UA", ch.ID, text); !strings.Contains(a.Text, "update needs") {
				t.Fatalf("%q: want the update's usage, got %q", text, a.Text)
			}
		}
		// An update typed in the channel is sent through the
		// communications service and posted back into the channel.
		a = e.slash(srv, "UB", ch.ID, "update customers Checkout is failing for some card payments; we are rolling back.")
		e.run()
		if got := e.later(a); len(got) != 1 || !strings.Contains(got[0], "Sent the customers update") {
			t.Fatalf("update later: %q", got)
		}
		if ups, err := e.store.ListUpdates(e.ctx, inc.ID, warroom.AudienceCustomers); err != nil || len(ups) != 1 ||
			ups[0].Body != "Checkout is failing for some card payments; we are rolling back." || ups[0].AuthorID != e.users["bob"].ID {
			t.Fatalf("updates %+v, %v", ups, err)
		}
		if last := e.fake.Channel(ch.Name).Messages; !strings.Contains(last[len(last)-1].Text, "customers update sent") {
			t.Fatalf("the update is not in the channel: %q", last[len(last)-1].Text)
		}
		a = e.slash(srv, "UA", "CGENERAL", "note where am I")
		if !strings.Contains(a.Text, "belongs to no incident") {
			t.Fatalf("outside a channel: %q", a.Text)
		}
		if n := len(e.fake.Responses(a.ID)); n != 0 {
			t.Fatalf("refused command answered later too")
		}
	})
}

func TestChatOpsChecksComeBeforeAnyWrite(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		srv := e.chatServer()
		public := e.declare("ada", warroom.Declaration{Title: "open", Severity: "SEV3"})
		private := e.declare("ada", warroom.Declaration{Title: "hush", Severity: "SEV3", Private: true})
		e.run()
		before := func(inc *warroom.Incident) int64 { return mustFind(t, e, inc.ID).Version }
		pv, xv := before(public), before(private)
		jobs := func() int {
			if _, ok, err := e.store.NextDue(e.ctx, chat.OpsQueue); err != nil || ok {
				return 1
			}
			return 0
		}
		// vera is a viewer: she reads but changes nothing.
		a := e.slash(srv, "UC", "CX", public.Ref+" note I was here")
		if !strings.Contains(a.Text, "viewer") {
			t.Fatalf("viewer: %q", a.Text)
		}
		if a := e.slash(srv, "UC", "CX", public.Ref+" status"); !strings.Contains(a.Text, "open") {
			t.Fatalf("viewer status: %q", a.Text)
		}
		// bob does not take part in the private incident: it does not exist for him.
		a = e.slash(srv, "UB", "CX", private.Ref+" note peek")
		if !strings.Contains(a.Text, "No incident") {
			t.Fatalf("private: %q", a.Text)
		}
		if a := e.slash(srv, "UB", "CX", private.Ref+" status"); !strings.Contains(a.Text, "No incident") {
			t.Fatalf("private status: %q", a.Text)
		}
		// Someone warroom does not know.
		e.fake.AddUser("UZ", "stranger@elsewhere.com", "stranger")
		if a := e.slash(srv, "UZ", "CX", public.Ref+" note hi"); !strings.Contains(a.Text, "does not know you") {
			t.Fatalf("stranger: %q", a.Text)
		}
		if jobs() != 0 || before(public) != pv || before(private) != xv {
			t.Fatalf("a refused command wrote: %d jobs, versions %d→%d, %d→%d", jobs(), pv, before(public), xv, before(private))
		}
		// An explicit link in the profile maps a chat user whose email differs.
		if err := e.store.LinkChatUser(e.ctx, "slack", "UZ", e.users["bob"].ID, true, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		a = e.slash(srv, "UZ", "CX", public.Ref+" note linked by hand")
		e.run()
		if got := e.later(a); len(got) != 1 || !strings.Contains(got[0], "Done") {
			t.Fatalf("linked user: %q %q", a.Text, got)
		}
		tl, _ := e.store.Timeline(e.ctx, public.ID, 0, 0)
		if last := tl[len(tl)-1]; last.Text != "linked by hand" || last.ActorID != e.users["bob"].ID {
			t.Fatalf("last entry %+v, want bob's note", last)
		}
	})
}

func TestChatOpsSignatures(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/w.db")
	srv := e.chatServer()
	inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: "SEV3"})
	form := url.Values{"command": {"/inc"}, "text": {inc.Ref + " note signed"}, "user_id": {"UA"}, "channel_id": {"C1"},
		"response_url": {e.fake.ResponseURL("sig")}}
	now := time.Now().Unix()
	for _, c := range []struct {
		name string
		ts   int64
		key  string
		want int
	}{
		{"valid", now, signingSecret, 200},
		{"replayed", now, signingSecret, 401},
		{"forged", now + 1, "not the secret", 401},
		{"stale", now - 6*60, signingSecret, 401},
		{"from the future", now + 6*60, signingSecret, 401},
	} {
		resp, body := signedPost(t, srv.URL+"/api/v1/chat/commands", form, c.ts, c.key)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.want)
		}
	}
	e.run()
	tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
	var notes int
	for _, ev := range tl {
		if ev.Text == "signed" {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("%d notes, want exactly the valid request's", notes)
	}
	// Interactivity: the same rules.
	payload := fmt.Sprintf(`{"type":"block_actions","user":{"id":"UB"},"channel":{"id":"C1"},"response_url":%q,`+
		`"actions":[{"type":"button","action_id":"take_ic","block_id":"warroom","value":%q,"action_ts":"1"}]}`, e.fake.ResponseURL("btn"), inc.ID)
	iform := url.Values{"payload": {payload}}
	if resp, body := signedPost(t, srv.URL+"/api/v1/chat/interactions", iform, now, "forged"); resp.StatusCode != 401 {
		t.Fatalf("forged interaction: %d %s", resp.StatusCode, body)
	}
	if resp, body := signedPost(t, srv.URL+"/api/v1/chat/interactions", iform, now, signingSecret); resp.StatusCode != 200 || body != "" {
		t.Fatalf("interaction: %d %q", resp.StatusCode, body)
	}
	if resp, _ := signedPost(t, srv.URL+"/api/v1/chat/interactions", iform, now, signingSecret); resp.StatusCode != 401 {
		t.Fatalf("replayed interaction: %d", resp.StatusCode)
	}
	e.run()
	if ic := mustFind(t, e, inc.ID).Holder(warroom.RoleIncidentCommander); ic != e.users["bob"].ID {
		t.Fatalf("IC %q after 'I am the IC', want bob", ic)
	}
}

func TestChatOpsButtonsAndShortcut(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/w.db")
	srv := e.chatServer()
	inc := e.declare("bob", warroom.Declaration{Title: "x", Severity: "SEV3"})
	e.run()
	ch := e.fake.Channel("inc1")
	interact := func(payload string) {
		t.Helper()
		resp, body := signedPost(t, srv.URL+"/api/v1/chat/interactions", url.Values{"payload": {payload}}, time.Now().Unix(), signingSecret)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		e.run()
	}
	interact(fmt.Sprintf(`{"type":"block_actions","user":{"id":"UA"},"channel":{"id":%q},"response_url":%q,`+
		`"actions":[{"type":"button","action_id":"acknowledge","block_id":"warroom","value":%q,"action_ts":"1"}]}`, ch.ID, e.fake.ResponseURL("ack"), inc.ID))
	interact(fmt.Sprintf(`{"type":"message_action","callback_id":"add_to_timeline","user":{"id":"UA"},"channel":{"id":%q},`+
		`"message":{"type":"message","text":"eu-1 is back","ts":"1.2"},"response_url":%q}`, ch.ID, e.fake.ResponseURL("add")))
	tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
	last := tl[len(tl)-1]
	if last.Type != warroom.EntryNote || last.Text != "eu-1 is back" || last.ActorID != e.users["ada"].ID {
		t.Fatalf("last entry %+v, want ada's note from the shortcut", last)
	}
	if got := e.fake.Responses("add"); len(got) != 1 {
		t.Fatalf("shortcut answers: %s", got)
	}
	if got := e.fake.Responses("ack"); len(got) != 1 {
		t.Fatalf("ack answers: %s", got)
	}
}

// A request replayed to another replica (whose memory of signatures is
// its own) passes verification there, but its job is keyed by the
// request: the incident changes once.
func TestReplayAcrossReplicasChangesOnce(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/w.db")
	inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: "SEV3"})
	e.run()
	req := chat.Request{UserID: "UA", Text: inc.Ref + " note once", ResponseURL: e.fake.ResponseURL("once"), ID: "same-signature"}
	for range 2 {
		if r := e.ops.Command(e.ctx, req); !strings.HasPrefix(r.Text, "On it") {
			t.Fatalf("answer %q", r.Text)
		}
	}
	e.run()
	tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
	var n int
	for _, ev := range tl {
		if ev.Text == "once" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
}

// An answer that cannot be delivered is retried a few times, then given
// up; the command was done once.
func TestUndeliverableAnswerIsGivenUp(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/w.db")
	inc := e.declare("ada", warroom.Declaration{Title: "x", Severity: "SEV3"})
	e.run()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	e.ops.Command(e.ctx, chat.Request{UserID: "UA", Text: inc.Ref + " note unanswered", ResponseURL: gone.URL, ID: "lost"})
	for range 10 {
		e.run()
		e.clock.Advance(10 * time.Minute)
	}
	if _, ok, _ := e.store.NextDue(e.ctx, chat.OpsQueue); ok {
		t.Fatal("the job still retries")
	}
	tl, _ := e.store.Timeline(e.ctx, inc.ID, 0, 0)
	var n int
	for _, ev := range tl {
		if ev.Text == "unanswered" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
}
