package web

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/password"
	"github.com/warroom/warroom/postmortem"
	"github.com/warroom/warroom/statuspage"
	"github.com/warroom/warroom/tracker/tickets"
)

// Store is what the web UI reads and writes besides the incident service:
// the directory and incidents (warroom.Store) and sign-in state
// (warroom.SessionStore). sqlstore.Store is one.
type Store interface {
	warroom.Store
	warroom.SessionStore
}

// Config is what the web UI needs. Incidents and Store are required.
type Config struct {
	Incidents *warroom.Incidents
	Store     Store
	// Now defaults to Incidents.Now, then time.Now.
	Now    warroom.Clock
	Logger *slog.Logger
	// PublicURL is where people reach the server. When it is https,
	// cookies are Secure even if TLS ends at a proxy in front.
	PublicURL string
	// API answers every request the web UI has no page for (/api/v1,
	// /webhook, /healthz...). nil: such requests get a 404 page.
	API http.Handler
	// SessionIdle is how long a session lives without use (default 7
	// days); SessionMax how long it lives at most (default 30 days).
	SessionIdle, SessionMax time.Duration
	// Commits feeds the live updates; nil: pages do not update live.
	Commits CommitSource
	// SignInOptions are other ways to sign in (single sign-on), shown as
	// buttons on the sign-in page.
	SignInOptions []SignInOption
	// SSO is single sign-on (package sso); nil: passwords and sign-in
	// links only. SSOLabel is its button's label.
	SSO      SingleSignOn
	SSOLabel string
	// PasswordParams are argon2id's costs; zero: password.Default.
	PasswordParams password.Params
	// SignInLimit bounds failed sign-ins per account and per address in
	// each SignInWindow; zero: DefaultSignInLimit.
	SignInLimit SignInLimit
	// Comms serves the incident's updates page; nil: the page answers
	// 503.
	Comms *comms.Service
	// Tracker serves the issue trackers page and an incident's tickets
	// (tracker_list.go, incident_tickets.go); nil: they answer 503.
	Tracker *tickets.Service
	// Pages serves the alert, on-call, people and profile pages (pages.go).
	Pages PagesConfig
	// StatusPage serves the status page's admin screen (status_admin.go);
	// nil: it answers 503. The public page is statuspage.Handler.
	StatusPage *statuspage.Service
	// AfterFire serves the incident's handoff and after-the-fire page
	// (handoff_show.go); nil: the page answers 503.
	AfterFire *afterfire.Service
	// Postmortems serves the postmortem editor and the action items
	// (postmortem_show.go); nil: one on Store, if it keeps postmortems.
	Postmortems *postmortem.Service
}

// Handler is the web UI: an http.Handler serving pages, forms, static
// assets and live streams, and passing everything else to the API.
type Handler struct {
	incidents *warroom.Incidents
	store     Store
	now       warroom.Clock
	log       *slog.Logger
	api       http.Handler
	mux       *http.ServeMux
	tmpl      *templates
	assets    *assets
	secure    bool // cookies are Secure for every request
	publicURL string
	idle, max time.Duration
	passwords password.Params
	limit     SignInLimit
	live      *broadcaster
	// signInOptions are the sign-in page's other ways in.
	signInOptions []SignInOption
	sso           SingleSignOn // nil: no single sign-on
	comms         *comms.Service
	tracker       *tickets.Service
	pages         *pagesDeps // pages.go
	status        *statuspage.Service
	afterfire     *afterfire.Service
	postmortems   *postmortem.Service
}

// New returns the web UI for cfg. It panics on a wiring mistake (no
// incident service or store, templates that do not parse).
func New(cfg Config) *Handler {
	if cfg.Incidents == nil || cfg.Store == nil {
		panic("web: Config.Incidents and Config.Store are required")
	}
	h := &Handler{
		incidents: cfg.Incidents, store: cfg.Store, now: cfg.Now, log: cfg.Logger, api: cfg.API,
		mux: http.NewServeMux(), publicURL: cfg.PublicURL, secure: strings.HasPrefix(cfg.PublicURL, "https://"),
		idle: cfg.SessionIdle, max: cfg.SessionMax, passwords: cfg.PasswordParams, limit: cfg.SignInLimit,
		signInOptions: cfg.SignInOptions, comms: cfg.Comms, status: cfg.StatusPage,
		postmortems: cfg.Postmortems,
	}
	if h.now == nil {
		h.now = cfg.Incidents.Now
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.idle <= 0 {
		h.idle = 7 * 24 * time.Hour
	}
	if h.max <= 0 {
		h.max = 30 * 24 * time.Hour
	}
	if h.passwords == (password.Params{}) {
		h.passwords = password.Default
	}
	if h.limit == (SignInLimit{}) {
		h.limit = DefaultSignInLimit
	}
	h.assets = mustLoadAssets()
	h.tmpl = mustParseTemplates(h.assets)
	h.live = newBroadcaster(h, cfg.Commits)
	h.tracker = cfg.Tracker
	h.pages = newPagesDeps(cfg)
	h.afterfire = cfg.AfterFire
	h.routes()
	h.ssoRoutes(cfg.SSO, cfg.SSOLabel)
	return h
}

// ServeHTTP serves a page when the web UI has one for the request, and
// passes the request to the API otherwise.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" && h.api != nil {
		h.api.ServeHTTP(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// Close stops the live-update broadcaster.
func (h *Handler) Close() { h.live.close() }

// page is a route's function: it returns an error the one error page
// renders (errors.go).
type page func(w http.ResponseWriter, r *http.Request) error

// Who may reach a page.
type access int

const (
	anyone   access = iota // no session needed (sign-in, assets)
	signedIn               // any signed-in user; may not change anything unless the page checks
	writer                 // signed-in responders and admins: state-changing forms
	admin                  // signed-in admins
)

// handle registers a page under pattern ("GET /incidents/{ref}") with
// the session, CSRF and access checks its access level calls for.
func (h *Handler) handle(pattern string, a access, p page) {
	h.mux.Handle(pattern, h.wrap(a, p))
}
