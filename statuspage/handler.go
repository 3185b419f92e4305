package statuspage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = func() map[string]*template.Template {
	funcs := template.FuncMap{"join": func(s []string) string { return strings.Join(s, ", ") }}
	out := map[string]*template.Template{}
	for _, page := range []string{"page", "incident", "message"} {
		out[page] = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html"))
	}
	return out
}()

// view is what a template renders.
type view struct {
	Page      *Page
	Base      string
	Incident  *IncidentView
	Component *ComponentView
	// the subscription form's answer
	Email, Error string
	// message pages
	Heading, Message, Form, Button string
}

// Zone is the name of the page's time zone.
func (v view) Zone() string { return v.Page.loc.String() }

// Time formats a time in the page's zone.
func (v view) Time(t any) string {
	switch x := t.(type) {
	case time.Time:
		return x.In(v.Page.loc).Format("2 Jan 2006 15:04 MST")
	case *time.Time:
		if x != nil {
			return x.In(v.Page.loc).Format("2 Jan 2006 15:04 MST")
		}
	}
	return ""
}

// Day formats a day.
func (v view) Day(t time.Time) string { return t.In(v.Page.loc).Format("Mon 2 Jan 2006") }

// Label is a status as people read it.
func (v view) Label(s warroom.ComponentStatus) string { return s.Label() }

// Bar renders one day of a component's history: a block whose title says
// the day, the worst status and the incidents behind it, linking to the
// first of them.
func (v view) Bar(b warroom.DayBar) template.HTML {
	title := v.Day(b.Day) + ": " + b.Status.Label()
	var titles []string
	for _, slug := range b.Incidents {
		if inc, ok := v.Page.Incident(slug); ok {
			titles = append(titles, inc.Title)
		}
	}
	if len(titles) > 0 {
		title += " · " + strings.Join(titles, "; ")
	}
	t := template.HTMLEscapeString(title)
	class := "s-" + string(b.Status)
	if len(b.Incidents) > 0 {
		if _, ok := v.Page.Incident(b.Incidents[0]); ok {
			return template.HTML(`<a class="` + class + `" title="` + t + `" href="` + v.Base + "/status/incidents/" +
				url.PathEscape(b.Incidents[0]) + `"></a>`)
		}
	}
	return template.HTML(`<span class="` + class + `" title="` + t + `"></span>`)
}

// Handler serves the public page under /status (every route of it, and
// nothing else: on the page's own listener, anything else is 404).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.cachedPage("page", s.renderPage))
	mux.HandleFunc("GET /status/{$}", s.cachedPage("page", s.renderPage))
	mux.HandleFunc("GET /status/status.json", s.cachedPage("json", s.renderJSON))
	mux.HandleFunc("GET /status/feed.atom", s.cachedPage("atom", s.renderFeed("")))
	mux.HandleFunc("GET /status/incidents/{slug}", func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		s.cachedPage("incident:"+slug, s.renderIncident(slug))(w, r)
	})
	mux.HandleFunc("GET /status/components/{id}/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.cachedPage("atom:"+id, s.renderFeed(id))(w, r)
	})
	mux.HandleFunc("POST /status/subscribe", s.subscribe)
	mux.HandleFunc("GET /status/confirm", s.confirmShow)
	mux.HandleFunc("POST /status/confirm", s.confirm)
	mux.HandleFunc("GET /status/unsubscribe", s.unsubscribeShow)
	mux.HandleFunc("POST /status/unsubscribe", s.unsubscribe)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaders {
			h[k] = v
		}
		mux.ServeHTTP(w, r)
	})
}

// securityHeaders go on every answer: no script may run (the page has
// none), no framing, no sniffing, no referrer.
var securityHeaders = http.Header{
	"X-Content-Type-Options":  {"nosniff"},
	"Referrer-Policy":         {"no-referrer"},
	"X-Frame-Options":         {"DENY"},
	"Content-Security-Policy": {"default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"},
}

// cached is one rendered response, with its header values ready.
type cached struct {
	version int64
	expires time.Time
	status  int
	ctype   string
	etag    string
	body    []byte
	gz      []byte

	ctypeH, etagH, lengthH, gzLengthH []string
}

var (
	cacheControl = []string{"public, max-age=10"}
	varyEncoding = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

type rendered struct {
	status int
	ctype  string
	body   []byte
}

// cachedPage serves a response from the cache, rendering it when the
// cache has none for the current version (every change the page shows
// bumps it: Invalidate) or it expired (the next time a window starts or
// ends, midnight, or five minutes).
func (s *Service) cachedPage(key string, render func(p *Page) rendered) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.cachedEntry(r, key, render)
		if err != nil {
			s.cfg.Logger.Error("statuspage: render", "key", key, "err", err)
			http.Error(w, "the status page is unavailable; try again shortly", http.StatusServiceUnavailable)
			return
		}
		// Precomputed header values, assigned without canonicalizing:
		// this is the hot path of a page hammered during incidents.
		h := w.Header()
		h["Content-Type"] = c.ctypeH
		h["Cache-Control"] = cacheControl
		h["Etag"] = c.etagH
		h["Vary"] = varyEncoding
		if c.status == http.StatusOK && r.Header.Get("If-None-Match") == c.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body, length := c.body, c.lengthH
		if c.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h["Content-Encoding"] = gzipEncoding
			body, length = c.gz, c.gzLengthH
		}
		h["Content-Length"] = length
		w.WriteHeader(c.status)
		w.Write(body)
	}
}

func (s *Service) cachedEntry(r *http.Request, key string, render func(p *Page) rendered) (*cached, error) {
	now := s.cfg.Now()
	ver := s.version.Load()
	if v, ok := s.cache.Load(key); ok {
		if c := v.(*cached); c.version == ver && now.Before(c.expires) {
			return c, nil
		}
	}
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	ver = s.version.Load()
	if v, ok := s.cache.Load(key); ok {
		if c := v.(*cached); c.version == ver && now.Before(c.expires) {
			return c, nil
		}
	}
	p, err := s.pageAt(r, now, ver)
	if err != nil {
		return nil, err
	}
	out := render(p)
	sum := sha256.Sum256(out.body)
	c := &cached{version: ver, expires: s.expiry(p, now), status: out.status, ctype: out.ctype, body: out.body,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	if len(out.body) > 512 {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(out.body)
		zw.Close()
		c.gz = b.Bytes()
		c.gzLengthH = []string{strconv.Itoa(len(c.gz))}
	}
	c.ctypeH, c.etagH, c.lengthH = []string{c.ctype}, []string{c.etag}, []string{strconv.Itoa(len(c.body))}
	if c.status == http.StatusOK {
		// Only pages that exist are kept: made-up addresses must not
		// fill the cache.
		s.cache.Store(key, c)
	}
	return c, nil
}

// pageAt returns the page's state for version ver, built once per
// version and shared by every response rendered from it.
func (s *Service) pageAt(r *http.Request, now time.Time, ver int64) (*Page, error) {
	if v, ok := s.cache.Load("state"); ok {
		if c := v.(*pageState); c.version == ver && now.Before(c.expires) {
			return c.page, nil
		}
	}
	p, err := s.Build(r.Context(), now)
	if err != nil {
		return nil, err
	}
	s.cache.Store("state", &pageState{version: ver, expires: s.expiry(p, now), page: p})
	return p, nil
}

type pageState struct {
	version int64
	expires time.Time
	page    *Page
}

// expiry is when a page built at now goes stale without any change: when
// a window it shows starts or ends, at midnight (a new day in the
// history), and at the latest five minutes on.
func (s *Service) expiry(p *Page, now time.Time) time.Time {
	exp := now.Add(5 * time.Minute)
	y, m, d := now.In(s.cfg.Location).Date()
	if mid := time.Date(y, m, d+1, 0, 0, 0, 0, s.cfg.Location); mid.Before(exp) {
		exp = mid
	}
	for _, mv := range p.Maintenance {
		for _, t := range []time.Time{mv.StartsAt, mv.EndsAt} {
			if t.After(now) && t.Before(exp) {
				exp = t
			}
		}
	}
	return exp
}

func (s *Service) html(name string, v view, status int) rendered {
	var b bytes.Buffer
	if err := templates[name].ExecuteTemplate(&b, "layout", v); err != nil {
		s.cfg.Logger.Error("statuspage: template", "page", name, "err", err)
		return rendered{http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("the status page failed to render")}
	}
	return rendered{status, "text/html; charset=utf-8", b.Bytes()}
}

func (s *Service) renderPage(p *Page) rendered {
	return s.html("page", view{Page: p}, http.StatusOK)
}

func (s *Service) renderIncident(slug string) func(p *Page) rendered {
	return func(p *Page) rendered {
		inc, ok := p.Incident(slug)
		if !ok {
			return s.html("message", view{Page: p, Heading: "Not found", Message: "There is no such incident on this page."}, http.StatusNotFound)
		}
		return s.html("incident", view{Page: p, Incident: inc}, http.StatusOK)
	}
}

func (s *Service) renderJSON(p *Page) rendered {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return rendered{http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("the status page failed to render")}
	}
	return rendered{http.StatusOK, "application/json", append(b, '\n')}
}

// message renders a message page (not cached: it answers a form or link).
func (s *Service) message(w http.ResponseWriter, r *http.Request, status int, v view) {
	p, err := s.pageAt(r, s.cfg.Now(), s.version.Load())
	if err != nil {
		http.Error(w, "the status page is unavailable; try again shortly", http.StatusServiceUnavailable)
		return
	}
	v.Page = p
	name := "message"
	if v.Heading == "" {
		name = "page"
	}
	out := s.html(name, v, status)
	w.Header().Set("Content-Type", out.ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(out.status)
	w.Write(out.body)
}

// remoteAddr is the address a request comes from: the connection's, which
// warroom serve sets to the client's behind the reverse proxies of
// --trusted-proxies (package forwarded).
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a
}

const maxFormBytes = 16 << 10

func (s *Service) subscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.message(w, r, http.StatusBadRequest, view{Heading: "Not subscribed", Message: "The form could not be read."})
		return
	}
	in := SubscribeInput{Email: r.PostForm.Get("email"), Components: r.PostForm["component"]}
	if _, err := s.Subscribe(r.Context(), in, remoteAddr(r)); err != nil {
		status := http.StatusBadRequest
		switch warroom.ErrorCode(err) {
		case warroom.ERateLimited:
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "3600")
		case warroom.EInvalid:
		default:
			s.cfg.Logger.Error("statuspage: subscribe", "err", err)
			status = http.StatusServiceUnavailable
		}
		// The form again, with what was typed and the reason.
		s.message(w, r, status, view{Email: in.Email, Error: publicMessage(err)})
		return
	}
	// The same answer whether or not the address was subscribed already.
	s.message(w, r, http.StatusOK, view{Heading: "Check your inbox",
		Message: "If the address can receive mail, a confirmation link is on its way. Nothing else is sent until it is confirmed."})
}

func publicMessage(err error) string {
	var e *warroom.Error
	if errors.As(err, &e) && e.Code != warroom.EInternal {
		return warroom.ErrorMessage(err)
	}
	return "Something went wrong; try again shortly."
}

// confirmShow checks a confirmation link and shows one button: a GET
// changes nothing, so a mail scanner following the link does not confirm
// a subscription someone else asked for.
func (s *Service) confirmShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, err := s.checkLink(r.Context(), warroom.LinkConfirm, q.Get("s"), q.Get("t")); err != nil {
		s.message(w, r, statusOf(err), view{Heading: "Not confirmed", Message: publicMessage(err)})
		return
	}
	s.message(w, r, http.StatusOK, view{Heading: "Confirm your subscription", Message: "Receive status updates at this address?",
		Form: "/status/confirm?" + url.Values{"s": {q.Get("s")}, "t": {q.Get("t")}}.Encode(), Button: "Confirm"})
}

func (s *Service) confirm(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxFormBytes))
	q := r.URL.Query()
	if _, err := s.Confirm(r.Context(), q.Get("s"), q.Get("t")); err != nil {
		s.message(w, r, statusOf(err), view{Heading: "Not confirmed", Message: publicMessage(err)})
		return
	}
	s.message(w, r, http.StatusOK, view{Heading: "Subscribed", Message: "Your subscription is confirmed. Every mail has a link to unsubscribe."})
}

func (s *Service) unsubscribeShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, err := s.checkLink(r.Context(), warroom.LinkUnsubscribe, q.Get("s"), q.Get("t")); err != nil {
		s.message(w, r, statusOf(err), view{Heading: "Unsubscribe", Message: publicMessage(err)})
		return
	}
	// A GET changes nothing (mail scanners follow links): one button does.
	s.message(w, r, http.StatusOK, view{Heading: "Unsubscribe", Message: "Stop receiving status updates at this address?",
		Form: "/status/unsubscribe?" + url.Values{"s": {q.Get("s")}, "t": {q.Get("t")}}.Encode(), Button: "Unsubscribe"})
}

// unsubscribe is the button and the one-click POST of RFC 8058
// (List-Unsubscribe=One-Click in the body).
func (s *Service) unsubscribe(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxFormBytes))
	q := r.URL.Query()
	if _, err := s.Unsubscribe(r.Context(), q.Get("s"), q.Get("t")); err != nil {
		s.message(w, r, statusOf(err), view{Heading: "Unsubscribe", Message: publicMessage(err)})
		return
	}
	s.message(w, r, http.StatusOK, view{Heading: "Unsubscribed", Message: "You will receive no more status updates at this address."})
}

func statusOf(err error) int {
	switch warroom.ErrorCode(err) {
	case warroom.ENotFound:
		return http.StatusNotFound
	case warroom.EInvalid:
		return http.StatusBadRequest
	}
	return http.StatusServiceUnavailable
}
