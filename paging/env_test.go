package paging_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/warroom/warroom/internal/testclock"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/notify/outbound"
	"github.com/warroom/warroom/notify/slack"
	"github.com/warroom/warroom/notify/webhook"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// t0 is a Monday morning; the tests move a fake clock from it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const hookSecret = "whsec-test-0123456789"

// world is what outlives a warroom process: the database, the clock and
// the receivers of notifications.
type world struct {
	t     *testing.T
	ctx   context.Context
	clock *testclock.Clock
	dsn   string
	smtp  *smtpServer
	slack *slackServer
	hook  *hookReceiver
}

// newWorld makes a world on a fresh SQLite file, or on a fresh schema of
// WARROOM_TEST_POSTGRES when postgres is true (skipping the test if it is
// unset).
func newWorld(t *testing.T, postgres bool) *world {
	w := &world{t: t, ctx: context.Background(), clock: testclock.New(t0)}
	if postgres {
		w.dsn = postgresSchema(t)
	} else {
		w.dsn = "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")
	}
	w.smtp = newSMTPServer(t)
	w.slack = newSlackServer(t)
	w.hook = newHookReceiver(t, hookSecret, w.clock.Now)
	return w
}

// postgresSchema creates a schema in WARROOM_TEST_POSTGRES, dropped at
// cleanup, and returns a DSN whose search_path is it.
func postgresSchema(t testing.TB) string {
	dsn := os.Getenv("WARROOM_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("WARROOM_TEST_POSTGRES is unset; set it to a PostgreSQL URL to run the PostgreSQL variant")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "wr_paging_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
		admin.Close(ctx)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// proc is one warroom process: a store, the incident service, the pager
// with its sender, and an engine.
type proc struct {
	w      *world
	owner  string
	store  *sqlstore.Store
	inc    *warroom.Incidents
	pager  *paging.Pager
	engine *engine.Engine
	cfg    paging.Config
	closed bool
}

// crash stops the process without finishing anything: its store closes,
// whatever it had claimed stays claimed until the lease runs out.
func (p *proc) crash() {
	if !p.closed {
		p.closed = true
		p.store.Close()
	}
}

// start opens the world's database as a new process named owner.
func (w *world) start(owner string, edit ...func(*paging.Config)) *proc {
	t := w.t
	store, err := sqlstore.Open(w.ctx, w.dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{w: w, owner: owner, store: store}
	t.Cleanup(p.crash)
	policy := warroom.DefaultPolicy()
	p.inc = &warroom.Incidents{Store: store, Now: w.clock.Now, Policy: policy,
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }, BridgeURLTemplate: "https://meet.example.com/{ref}"}
	mailer, err := email.New(email.Config{Addr: w.smtp.Addr(), From: "Warroom <warroom@example.com>", HelloName: "test"}, w.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	slackAPI, err := slack.NewAPI(slack.APIConfig{Token: "xoxb-test", BaseURL: w.slack.srv.URL + "/api"}, nil, w.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := notify.NewRegistry(mailer, slackAPI, webhook.New(webhook.Config{}, loopbackClient(), w.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	p.cfg = paging.Config{
		Store: store, Incidents: p.inc, Now: w.clock.Now, Policy: policy, Notifiers: reg,
		AckSecret: []byte("ack-secret-0123456789abcdef"), BaseURL: "https://warroom.example.com",
		Announce: []paging.Destination{
			{Channel: notify.ChannelSlack, Address: "C-ANNOUNCE"},
			{Channel: notify.ChannelWebhook, Address: w.hook.url("/announce"), Secret: hookSecret},
		},
		ICEscalationPolicy: "ic-leads", WebhookSecret: hookSecret, Owner: owner,
		PageQueue: paging.QueuePage, // as the server runs it
	}
	for _, e := range edit {
		e(&p.cfg)
	}
	if p.pager, err = paging.New(p.cfg); err != nil {
		t.Fatal(err)
	}
	store.SetIncidentReactor(p.pager.Reactor())
	p.engine = engine.New(engine.Config{Store: store, Now: w.clock.Now, Owner: owner,
		Queues: p.pager.Queues(), Handlers: p.pager.Handlers(), BatchHandlers: p.pager.BatchHandlers()})
	return p
}

// runJobs runs the due jobs of every queue once and returns how many ran.
func (p *proc) runJobs() (int, error) {
	n := 0
	for _, q := range p.pager.Queues() {
		k, err := p.engine.RunDue(p.w.ctx, q)
		if err != nil {
			return n, fmt.Errorf("queue %s: %w", q, err)
		}
		n += k
	}
	return n, nil
}

// runJobsUntilIdle runs due jobs until none is due at the current time,
// sending nothing: the pages they make stay stored (pending, or claimed
// by this process's sender), as in a process that dies before sending.
func (p *proc) runJobsUntilIdle() {
	p.w.t.Helper()
	for range 100 {
		n, err := p.runJobs()
		if err != nil {
			p.w.t.Fatalf("%s: run jobs: %v", p.owner, err)
		}
		if n == 0 {
			return
		}
	}
	p.w.t.Fatal("runJobsUntilIdle: jobs keep coming")
}

// drain runs due jobs and sends due messages until nothing more is due
// at the current time.
func (p *proc) drain() {
	p.w.t.Helper()
	for range 100 {
		n, err := p.runJobs()
		if err != nil {
			p.w.t.Fatalf("%s: run jobs: %v", p.owner, err)
		}
		for _, q := range paging.Queues {
			k, err := p.pager.Sender().SendDue(p.w.ctx, q)
			if err != nil {
				p.w.t.Fatalf("%s: send %s: %v", p.owner, q, err)
			}
			n += k
		}
		if n == 0 {
			return
		}
	}
	p.w.t.Fatal("drain: work keeps coming")
}

// people is the cast: an admin, responders, and an IC lead.
type people struct {
	admin, ada, bob, carol, lead *warroom.User
}

func (p *proc) people() people {
	return people{
		admin: p.user("root", warroom.AccountAdmin),
		ada:   p.user("ada", warroom.AccountResponder),
		bob:   p.user("bob", warroom.AccountResponder),
		carol: p.user("carol", warroom.AccountResponder),
		lead:  p.user("lead", warroom.AccountResponder),
	}
}

func (p *proc) user(handle string, role warroom.AccountRole) *warroom.User {
	p.w.t.Helper()
	u := &warroom.User{Handle: handle, Name: handle, Email: handle + "@example.com", TimeZone: "UTC", Role: role}
	if err := p.store.CreateUser(p.w.ctx, u); err != nil {
		p.w.t.Fatal(err)
	}
	return u
}

// reach gives a user contact methods and rules: each entry is channel,
// address, delay, e.g. contactRule{warroom.ContactSlack, "U1", 0}.
type contactRule struct {
	channel warroom.ContactChannel
	address string
	delay   time.Duration
}

func (p *proc) reach(u *warroom.User, rules ...contactRule) {
	p.w.t.Helper()
	var rs []warroom.NotificationRule
	for _, r := range rules {
		m := &warroom.ContactMethod{UserID: u.ID, Channel: r.channel, Address: r.address}
		if err := p.store.CreateContactMethod(p.w.ctx, m); err != nil {
			p.w.t.Fatal(err)
		}
		rs = append(rs, warroom.NotificationRule{ContactMethodID: m.ID, Delay: warroom.Duration(r.delay)})
	}
	if err := p.store.SetNotificationRules(p.w.ctx, u.ID, rs); err != nil {
		p.w.t.Fatal(err)
	}
}

// policy stores an escalation policy whose steps page users by ID, each
// step waiting delay.
func (p *proc) policy(name string, repeat int, delay time.Duration, steps ...[]warroom.Target) *warroom.EscalationPolicy {
	p.w.t.Helper()
	pol := &warroom.EscalationPolicy{Name: name, Repeat: repeat}
	for _, s := range steps {
		pol.Steps = append(pol.Steps, warroom.EscalationStep{Targets: s, Delay: warroom.Duration(delay)})
	}
	if err := p.store.CreateEscalationPolicy(p.w.ctx, pol); err != nil {
		p.w.t.Fatal(err)
	}
	return pol
}

func users(us ...*warroom.User) []warroom.Target {
	var out []warroom.Target
	for _, u := range us {
		out = append(out, warroom.Target{Type: warroom.TargetUser, ID: u.ID})
	}
	return out
}

// service stores a service with an integration, paged by policy (nil:
// none) with the default alert rules.
func (p *proc) service(slug string, policy *warroom.EscalationPolicy) (*warroom.Service, *warroom.Integration) {
	p.w.t.Helper()
	ctx := p.w.ctx
	svc := &warroom.Service{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:]}
	if err := p.store.CreateService(ctx, svc); err != nil {
		p.w.t.Fatal(err)
	}
	sp := warroom.ServicePaging{ServiceID: svc.ID, AlertRules: warroom.DefaultAlertRules()}
	if policy != nil {
		sp.EscalationPolicyID = policy.ID
	}
	if err := p.store.SetServicePaging(ctx, sp); err != nil {
		p.w.t.Fatal(err)
	}
	in := &warroom.Integration{ServiceID: svc.ID, Kind: warroom.IntegrationWebhook, Name: slug + " monitoring"}
	if err := p.store.CreateIntegration(ctx, in, warroom.HashTokenSecret("key-"+slug)); err != nil {
		p.w.t.Fatal(err)
	}
	return svc, in
}

// alert sends one alert update through the store's intake, as the
// integration's sender would, and returns the alert's ID.
func (p *proc) alert(in *warroom.Integration, action, dedupKey, severity, summary string, edit ...func(*warroom.Alert)) string {
	p.w.t.Helper()
	a := warroom.Alert{DedupKey: dedupKey, Severity: severity, Summary: summary, Source: "prometheus",
		StartsAt: p.w.clock.Now().Add(-time.Minute)}
	for _, e := range edit {
		e(&a)
	}
	res, err := p.store.IngestAlerts(p.w.ctx, []warroom.IngestRequest{{Integration: in, ReceivedAt: p.w.clock.Now(),
		Updates: []warroom.AlertUpdate{{Action: action, Alert: a}}}})
	if err != nil {
		p.w.t.Fatal(err)
	}
	return res[0][0].AlertID
}

func (p *proc) findAlert(id string) *warroom.Alert {
	p.w.t.Helper()
	a, err := p.store.FindAlert(p.w.ctx, id)
	if err != nil {
		p.w.t.Fatal(err)
	}
	return a
}

func (p *proc) incident(idOrRef string) *warroom.Incident {
	p.w.t.Helper()
	inc, err := p.store.FindIncident(p.w.ctx, idOrRef)
	if err != nil {
		p.w.t.Fatal(err)
	}
	return inc
}

// timeline returns the incident's events rendered one per line.
func (p *proc) timeline(incidentID string) []string {
	p.w.t.Helper()
	events, err := p.store.Timeline(p.w.ctx, incidentID, 0, 0)
	if err != nil {
		p.w.t.Fatal(err)
	}
	var out []string
	for i := range events {
		out = append(out, warroom.Describe(&events[i], func(id string) string {
			if id == "" {
				return "warroom"
			}
			return id
		}))
	}
	return out
}

// messages returns the outbox rows of an incident or alert.
func (p *proc) messages(incidentID, alertID string) []*notify.Outbox {
	p.w.t.Helper()
	ms, err := p.store.ListMessages(p.w.ctx, incidentID, alertID)
	if err != nil {
		p.w.t.Fatal(err)
	}
	return ms
}

func (p *proc) attempts(messageID string) []string {
	p.w.t.Helper()
	as, err := p.store.ListAttempts(p.w.ctx, messageID)
	if err != nil {
		p.w.t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.Outcome)
	}
	return out
}

// containsLine reports whether some line contains every part.
func containsLine(lines []string, parts ...string) bool {
	for _, l := range lines {
		ok := true
		for _, p := range parts {
			if !strings.Contains(l, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// ackToken returns the token of an ack URL.
func ackToken(t *testing.T, ackURL string) string {
	t.Helper()
	_, tok, ok := strings.Cut(ackURL, "/ack/")
	if !ok {
		t.Fatalf("ack URL %q has no /ack/", ackURL)
	}
	return tok
}

// loopbackClient is the guarded client of user-set webhook destinations
// with 127.0.0.0/8 allowed (as --outbound-allow would): the tests'
// receivers listen there.
func loopbackClient() *http.Client {
	return outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(0)
}

// ackLinkIn returns the first ack link in a rendered message.
func ackLinkIn(t *testing.T, text string) string {
	t.Helper()
	link := regexp.MustCompile(`https://warroom\.example\.com/ack/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`).FindString(text)
	if link == "" {
		t.Fatalf("no ack link in %q", text)
	}
	return link
}
