// Package httpapi is warroom's versioned HTTP JSON API (/api/v1) over the
// domain services: thin handlers that parse a request, call a service or
// the store, and render the result. Every error, whatever its source, is
// answered by one function (writeError) with one body:
//
//	{"error": {"code": "invalid", "message": "...", "field": "severity"}}
//
// The routes are one table (routes.go) that both the ServeMux registration
// and the OpenAPI test iterate; the OpenAPI 3.1 document describing them is
// openapi.json, served at GET /api/v1/openapi.json.
package httpapi
