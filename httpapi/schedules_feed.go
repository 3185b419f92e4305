package httpapi

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// The window of a calendar feed: from a midnight in the past, so that
// shifts in progress are not clipped (event UIDs derive from the shift
// start and must stay stable), to months ahead.
const (
	feedPastDays = 14
	feedDays     = 90
)

// authenticateFeed authenticates a calendar feed request: by the bearer
// token when an Authorization header is sent, else by ?token=, because
// calendar apps subscribe to a URL and cannot send headers. The query is
// never logged (the request log records the path only).
func (s *Server) authenticateFeed(r *http.Request) (*warroom.User, error) {
	if strings.TrimSpace(r.Header.Get("Authorization")) != "" {
		return s.authenticate(r)
	}
	token := strings.TrimSpace(r.URL.Query().Get("token"))
	if token == "" {
		return nil, warroom.Errorf(warroom.EUnauthorized, "missing API token: send Authorization: Bearer <token>, or add ?token=<token> to the feed URL")
	}
	u, err := s.store.Authenticate(r.Context(), warroom.HashTokenSecret(token), s.now().UTC())
	if warroom.ErrorCode(err) == warroom.EUnauthorized {
		return nil, warroom.Errorf(warroom.EUnauthorized, "invalid or revoked API token")
	}
	return u, err
}

// scheduleCalendar is the iCalendar feed of one schedule.
func (s *Server) scheduleCalendar(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r, "token"); err != nil {
		return err
	}
	sc, err := s.findSchedule(r)
	if err != nil {
		return err
	}
	from, to := s.feedWindow()
	shifts, err := sc.Shifts(from, to)
	if err != nil {
		return err
	}
	return s.writeCalendar(w, r, "On call: "+sc.Name, shifts)
}

// userCalendar is the iCalendar feed of one person's shifts on every
// schedule.
func (s *Server) userCalendar(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r, "token"); err != nil {
		return err
	}
	store, err := s.scheduleStore()
	if err != nil {
		return err
	}
	u, err := s.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	list, err := store.ListSchedules(r.Context())
	if err != nil {
		return err
	}
	from, to := s.feedWindow()
	var shifts []oncall.Shift
	for _, sc := range list {
		mine, err := sc.UserShifts(u.ID, from, to)
		if err != nil {
			return err
		}
		shifts = append(shifts, mine...)
	}
	slices.SortFunc(shifts, func(a, b oncall.Shift) int { return a.Start.Compare(b.Start) })
	return s.writeCalendar(w, r, "On call: @"+u.Handle, shifts)
}

func (s *Server) feedWindow() (from, to time.Time) {
	now := s.now().UTC()
	from = time.Date(now.Year(), now.Month(), now.Day()-feedPastDays, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, 0, feedPastDays+feedDays)
}

func (s *Server) writeCalendar(w http.ResponseWriter, r *http.Request, name string, shifts []oncall.Shift) error {
	people := s.people(r.Context())
	var buf bytes.Buffer
	err := oncall.ICal(&buf, oncall.ICalOptions{
		Name:      name,
		UIDDomain: s.uidDomain(r),
		Stamp:     s.now().UTC(),
		DisplayName: func(id string) string {
			p := people(id)
			if p.Name == p.Handle {
				return "@" + p.Handle
			}
			return p.Name + " (@" + p.Handle + ")"
		},
	}, shifts)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// uidDomain is the host people reach warroom at, which makes event UIDs
// unique across installations.
func (s *Server) uidDomain(r *http.Request) string {
	host := r.Host
	if u, err := url.Parse(s.paging.publicURL); err == nil && u.Host != "" {
		host = u.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" {
		host = "warroom.invalid"
	}
	return host
}
