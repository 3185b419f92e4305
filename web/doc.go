// Package web is warroom's browser UI: server-rendered pages
// (html/template), progressive enhancement with htmx, and live updates
// over server-sent events. It calls the same services as the JSON API
// (warroom.Incidents, the store's directory); no business rule is
// written here again.
//
// # Layout
//
//   - handler.go: Config, New, ServeHTTP (pages here, everything else to
//     the API); routes.go: the one route table.
//   - one file per page action, named noun_verb.go (incident_list.go,
//     incident_create.go, signin_submit.go): a short method that parses,
//     calls a service and renders.
//   - forms are parsed into small structs next to their handler
//     (signInForm, declareForm); a service's *warroom.Error names the
//     field at fault, and the page shows its message next to that field
//     with what the user typed kept (formErrors).
//   - response.go: ok, render, fragment, redirect; errors.go: the error
//     page, the one mapping of error codes to statuses.
//   - middleware.go (wrap): session, CSRF, account role, in that order,
//     before any page runs; session.go, csrf.go, password.go.
//   - templates/: layout.html, one file per page (defines "content"),
//     partials/*.html shared by pages and rendered alone as htmx
//     fragments and live updates. static/: app.css, app.js and the
//     vendored htmx, served under content-hashed names (assets.go).
//
// # Adding a page
//
//  1. Write templates/<page>.html defining "content" (and "title" if the
//     title is not the view's Title). Use {{.CSRF}} in a hidden input
//     named "csrf" in every POST form, a <label for> on every input,
//     {{.Time t}} for times (viewer's zone, UTC on hover) and
//     {{if .CanWrite}} around every control that changes something.
//  2. Write <noun>_<verb>.go with a view struct embedding base (filled
//     by h.base(r, title)) and a method func(w, r) error that ends in
//     h.ok(w, "<page>", view) or redirect(w, r, to).
//  3. Register it in routes.go: h.handle("GET /path", signedIn, h.x).
//     Access levels: anyone, signedIn (reads), writer (state changes:
//     viewers are refused before the page runs), admin. Every non-GET
//     request is CSRF-checked by the middleware.
//  4. Call the services with actor(r) (the signed-in user): the services
//     check visibility and roles; the page only hides controls.
//  5. Add a link to the nav in templates/layout.html if it is a section.
//
// A test renders the page through a real server (helpers_test.go: newEnv
// on SQLite or PostgreSQL, env.signedIn for a browser of a new user,
// browser.get and browser.post, which carries the page's CSRF token),
// including a viewer and a forged CSRF token where the page changes
// something.
//
// Sign-in by another means (single sign-on) authenticates the user and
// calls Handler.StartSession; Config.SignInOptions puts its button on the
// sign-in page.
package web
