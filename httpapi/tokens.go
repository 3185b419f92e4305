package httpapi

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// tokenInput is the body of POST /api/v1/tokens.
type tokenInput struct {
	User string `json:"user"` // ID or handle; default the caller
	Name string `json:"name"`
}

// newToken is the answer to POST /api/v1/tokens: the only time the secret
// is shown.
type newToken struct {
	Token  *warroom.Token `json:"token"`
	Secret string         `json:"secret"`
}

// tokenOwner resolves the user a token request is about: the caller when
// ref is empty or names the caller, anyone for an admin, EForbidden
// otherwise.
func (s *Server) tokenOwner(r *http.Request, ref string) (*warroom.User, error) {
	me := caller(r)
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "@")
	if ref == "" || ref == me.ID || ref == me.Handle {
		return me, nil
	}
	if !isAdmin(r) {
		return nil, warroom.Errorf(warroom.EForbidden, "only admins may manage other users' tokens")
	}
	u, err := s.store.FindUser(r.Context(), ref)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Invalid("user", "no user %q", ref)
	}
	return u, err
}

// listTokens lists the caller's tokens; an admin may ask for one user's
// (?user=ID or handle) or everyone's (?user=all).
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "user")
	if err != nil {
		return err
	}
	userID := caller(r).ID
	if q["user"] == "all" {
		if !isAdmin(r) {
			return warroom.Errorf(warroom.EForbidden, "only admins may list everyone's tokens")
		}
		userID = ""
	} else {
		u, err := s.tokenOwner(r, q["user"])
		if err != nil {
			return err
		}
		userID = u.ID
	}
	tokens, err := s.store.ListTokens(r.Context(), userID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string][]*warroom.Token{"tokens": nonNil(tokens)})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	if _, err := warroom.CheckTokenName(in.Name); err != nil {
		return err // before the owner is looked up: the API's order of checks
	}
	owner, err := s.tokenOwner(r, in.User)
	if err != nil {
		return err
	}
	t, secret, err := warroom.IssueToken(r.Context(), s.store, owner.ID, in.Name, s.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, newToken{Token: t, Secret: secret})
	return nil
}

// revokeToken revokes a token of the caller's, or anyone's for an admin.
// Someone else's token is not found, so token IDs leak nothing. Revoking a
// revoked token answers it unchanged.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := warroom.RevokeToken(r.Context(), s.store, caller(r), r.PathValue("id"), s.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
