package web

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/warroom/warroom"
)

// base is what every page's view holds: the layout's needs (title,
// signed-in user, CSRF token) and the viewer's time zone. Page views
// embed it.
type base struct {
	Title string
	User  *warroom.User
	CSRF  string
	// Path is the page's own address (a form's return address).
	Path string
	// Stream is the server-sent events URL the page follows ("": none).
	Stream string
	loc    *time.Location
	now    time.Time
}

// base returns the view base of a page titled title.
func (h *Handler) base(r *http.Request, title string) base {
	v := visitOf(r)
	b := base{Title: title, User: v.user, CSRF: v.token(), Path: r.URL.RequestURI(), loc: time.UTC, now: h.now()}
	if v.user != nil {
		if loc, err := time.LoadLocation(v.user.TimeZone); err == nil {
			b.loc = loc
		}
	}
	return b
}

// CanWrite reports whether the viewer may change anything: pages show
// controls only then (and the server refuses them anyway).
func (b base) CanWrite() bool { return b.User != nil && b.User.Role.CanWrite() }

// IsAdmin reports whether the viewer is an admin.
func (b base) IsAdmin() bool { return b.User != nil && b.User.Role == warroom.AccountAdmin }

// Time shows t in the viewer's time zone, with the UTC time on hover and
// the exact instant for scripts.
func (b base) Time(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	local := t.In(b.loc)
	layout := "Jan 2 15:04 MST"
	if local.Year() != b.now.In(b.loc).Year() {
		layout = "Jan 2 2006 15:04 MST"
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), t.UTC().Format("2006-01-02 15:04:05 UTC"),
		template.HTMLEscapeString(local.Format(layout))))
}

// TimePtr is Time for an optional time.
func (b base) TimePtr(t *time.Time) template.HTML {
	if t == nil {
		return ""
	}
	return b.Time(*t)
}

// Since is how long ago t was, or how long it lasted until end when end
// is set, in a short form ("2h5m").
func (b base) Since(t time.Time, end *time.Time) string {
	until := b.now
	if end != nil {
		until = *end
	}
	return warroom.ShortDuration(until.Sub(t).Truncate(time.Minute))
}
