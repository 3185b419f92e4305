package web

import "net/http"

// routes registers every page. A page is a method in its own file named
// after the route (noun_verb.go); see doc.go.
func (h *Handler) routes() {
	h.handle("GET /static/", anyone, h.assets.serve)
	h.handle("GET /{$}", anyone, h.home)
	h.handle("GET /signin", anyone, h.signInShow)
	h.handle("POST /signin", anyone, h.signInSubmit)
	h.handle("POST /signout", signedIn, h.signOutSubmit)

	h.handle("GET /incidents", signedIn, h.incidentList)

	h.pageRoutes() // pages.go
}

// home sends a signed-in browser to the incidents and others to sign in.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	if currentUser(r) == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/incidents", http.StatusSeeOther)
	return nil
}
