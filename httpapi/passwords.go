package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/password"
)

// passwordInput is the body of POST /api/v1/users/{user}/password.
type passwordInput struct {
	Password string `json:"password"`
}

// sessionStore is the store's sign-in part; a store without one answers
// these routes 503.
func (s *Server) sessionStore() (warroom.SessionStore, error) {
	ss, ok := s.store.(warroom.SessionStore)
	if !ok {
		return nil, notConfigured("web sign-in")
	}
	return ss, nil
}

// setPassword sets a user's web password (an admin's reset) and ends
// every web session of theirs, so whoever knew the old password is out.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := password.Check("password", in.Password); err != nil {
		return err
	}
	ss, err := s.sessionStore()
	if err != nil {
		return err
	}
	u, err := s.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	hash, err := password.Hash(in.Password, password.Default)
	if err != nil {
		return err
	}
	if err := ss.SetPassword(r.Context(), u.ID, hash, s.now().UTC()); err != nil {
		return err
	}
	n, err := ss.RevokeUserSessions(r.Context(), u.ID, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "sessions_ended": n})
	return nil
}

// createSignInLink makes a one-time sign-in link for a user (an admin
// letting someone in who has no password, or lost it).
func (s *Server) createSignInLink(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.sessionStore()
	if err != nil {
		return err
	}
	u, err := s.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	base := s.paging.publicURL
	if base == "" {
		base = "http://" + r.Host
		if r.TLS != nil {
			base = "https://" + r.Host
		}
	}
	link, expires, err := warroom.CreateSignInLink(r.Context(), ss, base, u.ID, s.now().UTC())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u, "url": link, "expires_at": expires.Format(time.RFC3339)})
	return nil
}
