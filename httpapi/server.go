package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/notify/outbound"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/postmortem"
	"github.com/warroom/warroom/statuspage"
	"github.com/warroom/warroom/tracker/tickets"
)

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes
// is not set: 1 MiB, far above any command or declaration.
const DefaultMaxBodyBytes = 1 << 20

// Config is what the API needs. Incidents is required; Store defaults to
// Incidents.Store, Now to Incidents.Now (then time.Now), Logger to
// slog.Default().
type Config struct {
	Incidents    *warroom.Incidents
	Store        warroom.Store
	Now          warroom.Clock
	Logger       *slog.Logger
	MaxBodyBytes int64
	// ReadyTimeout bounds the database ping of /readyz. Default 2s.
	ReadyTimeout time.Duration

	// Alert intake, on-call and paging (see paging.go). Each store
	// defaults to Store when Store implements it; a route whose store is
	// missing answers 503.
	Alerts      warroom.AlertStore
	Escalations warroom.EscalationStore
	Schedules   ScheduleStore
	Messages    MessageStore
	// Paging acknowledges through the escalation engine, declares
	// incidents from alerts and verifies one-click ack links; nil: alerts
	// are acknowledged in the store alone and the ack link, declare and
	// attach routes answer 503.
	Paging *paging.Pager
	// Wake is called after alerts are committed, so that the engine routes
	// them at once instead of at its next poll. Optional.
	Wake func()
	// PublicURL is where people and senders reach this server; it prefixes
	// the intake URLs shown when an integration is created. Optional.
	PublicURL string
	// Outbound is the guard of the destinations users set: a webhook
	// contact method whose URL is an address it refuses (loopback,
	// private, metadata...) is refused when created. The zero value
	// refuses every such range; the notifier checks again when it dials.
	Outbound outbound.Policy
	// Chat is ChatOps and the incident channels' state (chat.go); nil:
	// the chat routes answer 503.
	Chat *ChatAPI
	// Tracker serves the issue trackers' settings, webhooks and tickets
	// (tracker.go); nil: settings on Store, webhooks refused.
	Tracker *tickets.Service
	// Comms serves updates, customers, the assessment and help
	// (comms.go); nil: comms on Store, whose jobs nothing here runs.
	Comms *comms.Service
	// StatusPage serves the status page's admin routes (statuspage.go);
	// nil: one on Store, whose jobs nothing here runs.
	StatusPage *statuspage.Service
	// AfterFire serves handoffs, the return to baseline and draft
	// follow-ups (afterfire.go); nil: one on Store without Alertmanager.
	AfterFire *afterfire.Service
	// Postmortems serves postmortems and action items (postmortems.go);
	// nil: one on Store, whose reminder jobs nothing here runs.
	Postmortems *postmortem.Service
}

// Server is the HTTP API. It is an http.Handler; the zero value is not
// usable, call New.
type Server struct {
	incidents *warroom.Incidents
	store     warroom.Store
	now       warroom.Clock
	log       *slog.Logger
	maxBody   int64
	readyWait time.Duration
	mux       *http.ServeMux
	paging    *pagingDeps
	outbound  outbound.Policy
	chat      *ChatAPI
	tracker   *tickets.Service
	comms     *comms.Service
	status    *statuspage.Service
	afterfire *afterfire.Service
	// postmortems serves postmortems and action items.
	postmortems *postmortem.Service
	intakeObs   IntakeObserver
}

// New returns the API server for cfg, with every route of the route table
// registered. It panics if cfg has neither Incidents nor a store: that is a
// wiring mistake, not something to answer requests about.
func New(cfg Config) *Server {
	if cfg.Incidents == nil {
		panic("httpapi: Config.Incidents is required")
	}
	s := &Server{
		incidents: cfg.Incidents,
		store:     cfg.Store,
		now:       cfg.Now,
		log:       cfg.Logger,
		maxBody:   cfg.MaxBodyBytes,
		readyWait: cfg.ReadyTimeout,
		mux:       http.NewServeMux(),
		outbound:  cfg.Outbound,
		chat:      cfg.Chat,
	}
	if s.store == nil {
		s.store = cfg.Incidents.Store
	}
	if s.store == nil {
		panic("httpapi: Config.Store is required")
	}
	if s.now == nil {
		s.now = cfg.Incidents.Now
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.readyWait <= 0 {
		s.readyWait = 2 * time.Second
	}
	s.paging = newPagingDeps(cfg, s.store)
	s.tracker = newTracker(cfg, s.store, s.now)
	s.comms = newComms(cfg, s.store, s.now)
	s.status = newStatusPage(cfg, s.store, s.now)
	s.afterfire = newAfterFire(cfg, s.store)
	s.postmortems = newPostmortems(cfg, s.store, s.now)
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Path, s.handler(rt))
	}
	return s
}

// ServeHTTP answers one request: it recovers from panics, answers unknown
// paths and methods in the JSON error format, and logs the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	r = r.WithContext(context.WithValue(r.Context(), logInfoKey{}, &rec.info))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("http handler panic", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !rec.wrote {
				writeJSON(rec, http.StatusInternalServerError, errorBody{Error: &warroom.Error{Code: warroom.EInternal, Message: "internal error"}})
			}
		}
		s.logRequest(r, rec, time.Since(start))
	}()

	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(rec, r)
		return
	}
	// No route: let the mux decide between 404 and 405 (with Allow),
	// then answer in the JSON error format instead of its plain text.
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		allow := probe.header.Get("Allow")
		rec.Header().Set("Allow", allow)
		s.writeError(rec, r, &methodError{err: warroom.Errorf(warroom.EUnsupported,
			"method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
	case http.StatusNotFound, 0:
		s.writeError(rec, r, warroom.Errorf(warroom.ENotFound, "no such API route: %s %s", r.Method, r.URL.Path))
	default: // a redirect or anything else the mux knows better
		for k, v := range probe.header {
			rec.Header()[k] = v
		}
		rec.WriteHeader(probe.status)
	}
}

func (s *Server) logRequest(r *http.Request, rec *recorder, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case rec.info.quiet && status >= 400:
		level = slog.LevelWarn
	case rec.info.quiet:
		level = slog.LevelDebug
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	// The path only: never the query or headers, which may carry secrets;
	// routes with a secret in the path log their pattern instead.
	path := r.URL.Path
	if rec.info.path != "" {
		path = rec.info.path
	}
	s.log.LogAttrs(r.Context(), level, "http request",
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("user", rec.info.user),
	)
}

// logInfo is what inner handlers tell the request log: the caller's
// handle, the path to log when the real one holds a secret, and whether
// success is only worth a DEBUG line (quietLog).
type logInfo struct {
	user, path string
	quiet      bool
}

type logInfoKey struct{}

// noteUser records the authenticated user for the request log.
func noteUser(ctx context.Context, u *warroom.User) {
	if info, ok := ctx.Value(logInfoKey{}).(*logInfo); ok && u != nil {
		info.user = u.Handle
	}
}

// hidePath makes the request log show the route's pattern instead of the
// path, whose segment is a credential (an integration key, an ack token).
func hidePath(r *http.Request) {
	if info, ok := r.Context().Value(logInfoKey{}).(*logInfo); ok {
		_, path, found := strings.Cut(r.Pattern, " ") // "POST /webhook/{key}"
		if !found {
			path = r.Pattern
		}
		info.path = path
	}
}

// recorder remembers the status written, for the log and for the recover
// middleware (which can only answer if nothing was written yet).
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	info   logInfo
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// probeWriter captures the mux's own 404/405 answer so that it can be
// rewritten as JSON.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}

// handler wraps a route's function: authentication and access first, then
// the function, whose error is rendered by writeError.
func (s *Server) handler(rt route) http.Handler {
	params := pathParams(rt.Path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Access != public {
			authenticate := s.authenticate
			if rt.Access == feed {
				authenticate = s.authenticateFeed
			}
			u, err := authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			noteUser(r.Context(), u)
			if err := checkAccess(rt, r, u); err != nil {
				s.writeError(w, r, err)
				return
			}
			if err := checkParams(r, params); err != nil {
				s.writeError(w, r, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		}
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// isRead reports whether a method only reads.
func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}
