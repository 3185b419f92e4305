package web

import (
	"bytes"
	"net/http"
)

// The response helpers: every page answers through these.

// ok renders the page template name with view v (status 200).
func (h *Handler) ok(w http.ResponseWriter, name string, v any) error {
	return h.render(w, http.StatusOK, name, v)
}

// render renders the page template name with v, answering status. The
// page is rendered into a buffer first, so a template error becomes an
// error page instead of half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, v any) error {
	var buf bytes.Buffer
	if err := h.tmpl.page(&buf, name, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// fragment renders the partial template name with v: the answer to an
// htmx request, swapped into the page.
func (h *Handler) fragment(w http.ResponseWriter, status int, name string, v any) error {
	var buf bytes.Buffer
	if err := h.tmpl.partial(&buf, name, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// redirect answers a successful form with a redirect to a page (POST,
// redirect, GET), so reloading it does not post the form again.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	if isHTMX(r) {
		w.Header().Set("HX-Location", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// isHTMX reports whether r was sent by htmx (an enhanced form), which
// takes a fragment instead of a whole page.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }
