package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// userInput is the body of POST and PATCH /api/v1/users. Pointers tell a
// PATCH which fields to change; POST requires handle, name and email.
type userInput struct {
	Handle   *string              `json:"handle"`
	Name     *string              `json:"name"`
	Email    *string              `json:"email"`
	TimeZone *string              `json:"time_zone"`
	Team     *string              `json:"team"` // ID or slug; "" for none
	Role     *warroom.AccountRole `json:"role"`
}

// applyUser copies the fields given onto u, resolving the team, and
// validates the result.
func (s *Server) applyUser(ctx context.Context, in userInput, u *warroom.User) error {
	set(&u.Handle, in.Handle)
	set(&u.Name, in.Name)
	set(&u.Email, in.Email)
	set(&u.TimeZone, in.TimeZone)
	if in.Role != nil {
		u.Role = *in.Role
	}
	if in.Team != nil {
		id, err := s.teamID(ctx, *in.Team)
		if err != nil {
			return err
		}
		u.TeamID = id
	}
	return u.Validate(time.LoadLocation)
}

// teamID resolves a team given by ID or slug; "" is no team. An unknown
// team is the caller's mistake: EInvalid naming field "team".
func (s *Server) teamID(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", nil
	}
	t, err := s.store.FindTeam(ctx, ref)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return "", warroom.Invalid("team", "no team %q: give a team ID or slug", ref)
	} else if err != nil {
		return "", err
	}
	return t.ID, nil
}

func set(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, caller(r))
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string][]*warroom.User{"users": nonNil(users)})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	u := &warroom.User{CreatedAt: s.now().UTC()}
	if err := s.applyUser(r.Context(), in, u); err != nil {
		return err
	}
	if err := s.store.CreateUser(r.Context(), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.store.FindUser(r.Context(), strings.TrimPrefix(r.PathValue("user"), "@"))
	if err != nil {
		return err
	}
	if err := s.applyUser(r.Context(), in, u); err != nil {
		return err
	}
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// nonNil makes an empty list render as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
