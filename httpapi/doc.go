// Package httpapi is warroom's versioned HTTP JSON API (/api/v1) over the
// domain services: thin handlers that parse a request, call a service or
// the store, and render the result. Every error of the API, whatever its
// source, is answered by one function (writeError) with one body:
//
//	{"error": {"code": "invalid", "message": "...", "field": "severity"}}
//
// Two kinds of route answer in another format because their callers expect
// it: the alert intake routes speak each sender's own protocol (PagerDuty's
// Events API v2 error body on /v2/enqueue; see package intake), and the
// one-click acknowledge links (/ack/{token}) answer people with HTML.
//
// The routes are one table (routes.go) that both the ServeMux registration
// and the OpenAPI test iterate; the OpenAPI 3.1 document describing them is
// openapi.json, served at GET /api/v1/openapi.json.
package httpapi
