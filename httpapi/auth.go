package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

type userKey struct{}

// UserFromContext returns the authenticated caller of a request handled
// by the API, or nil on public routes.
func UserFromContext(ctx context.Context) *warroom.User {
	u, _ := ctx.Value(userKey{}).(*warroom.User)
	return u
}

// caller returns the authenticated user; the route's access level
// guarantees there is one.
func caller(r *http.Request) *warroom.User { return UserFromContext(r.Context()) }

// actor returns the caller as the actor of a command.
func actor(r *http.Request) warroom.Actor { return caller(r).Actor() }

// authenticate resolves the bearer token of r to its user.
func (s *Server) authenticate(r *http.Request) (*warroom.User, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return nil, warroom.Errorf(warroom.EUnauthorized, "missing API token: send Authorization: Bearer <token>")
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, warroom.Errorf(warroom.EUnauthorized, "the Authorization header must be \"Bearer <token>\"")
	}
	u, err := s.store.Authenticate(r.Context(), warroom.HashTokenSecret(token), s.now().UTC())
	if err != nil {
		if warroom.ErrorCode(err) == warroom.EUnauthorized {
			return nil, warroom.Errorf(warroom.EUnauthorized, "invalid or revoked API token")
		}
		return nil, err
	}
	return u, nil
}

// checkAccess enforces a route's access level for the caller u.
func checkAccess(rt route, r *http.Request, u *warroom.User) error {
	if !isRead(r.Method) && rt.Access != self && !u.Role.CanWrite() {
		return warroom.Errorf(warroom.EForbidden, "viewers can read but change nothing")
	}
	if rt.Access == admin && u.Role != warroom.AccountAdmin {
		return warroom.Errorf(warroom.EForbidden, "only admins may change users, teams and services")
	}
	return nil
}

// isAdmin reports whether the caller is an admin.
func isAdmin(r *http.Request) bool { return caller(r).Role == warroom.AccountAdmin }
